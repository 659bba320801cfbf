// Two cluster nodes (each a DeliveryService with its fenced RedisStorage, its
// MeetingLeases and its ClusterNode) on one real redis-server: one owner per
// meeting, redirects, failover to the other node with resume and catch-up, and
// fencing of a node that lost its lease. A crash is the node's objects left as they
// are; the lease's expiry is its key's deletion (what Redis does at the TTL), so no
// test waits for a clock.
#include "ztm/server/cluster.h"

#include <gtest/gtest.h>

#include "delivery/delivery_test_util.h"
#include "storage/redis_keys.h"
#include "storage/redis_test_server.h"

namespace ztm::server {
namespace {

using testing::commit_message;
using testing::group_info_message;
using testing::Harness;
using testing::key_package_message;
using testing::RedisTestServer;
using testing::welcome_message;

DeliveryConfig node_delivery_config() {
  DeliveryConfig config;
  config.load_stored_meetings = false;
  config.authorize = [](const protocol::Hello& hello) { return hello.auth_token == "t"; };
  return config;
}

// Node is one cluster node as Service wires it, driven by a Harness.
struct Node {
  Node(const RedisTestServer& redis, const std::string& id) {
    ClusterConfig config;
    config.node_id = id;
    config.advertised_url = "wss://" + id + ".test:8443/v1/meetings";
    config.lease_ttl = std::chrono::milliseconds(3000);
    auto s = open_redis_storage(redis.url(), id);
    EXPECT_TRUE(s) << s.error().what();
    storage = std::move(*s);
    auto l = MeetingLeases::open(redis.url(), config);
    EXPECT_TRUE(l) << l.error().what();
    leases = std::move(*l);
    harness = std::make_unique<Harness>(*storage, node_delivery_config());
    cluster = std::make_unique<ClusterNode>(*leases, *storage, harness->service(),
                                            node_delivery_config().authorize);
  }

  // hello opens a connection and says hello through the cluster routing.
  ConnectionId hello(const std::string& meeting, const std::string& name,
                     std::optional<std::string> resume = {},
                     std::optional<std::uint64_t> last_seq = {}, std::string token = "t") {
    Harness& h = *harness;
    const ConnectionId c = h.connect();
    protocol::Hello hello;
    hello.meeting = meeting;
    hello.auth_token = std::move(token);
    hello.display_hint = name;
    hello.resume_token = std::move(resume);
    hello.last_seq = last_seq;
    auto route = cluster->on_hello(c, hello, h.now);
    h.absorb(std::move(route.output));
    if (route.deliver) h.send(c, hello);
    return c;
  }

  protocol::Session session(ConnectionId c) {
    auto sessions = harness->take<protocol::Session>(c);
    EXPECT_EQ(sessions.size(), 1u);
    return sessions.empty() ? protocol::Session{} : sessions.front();
  }

  void tick(std::chrono::milliseconds d) {
    harness->advance(d);
    harness->absorb(cluster->on_tick(harness->now));
  }

  std::unique_ptr<Storage> storage;
  std::unique_ptr<MeetingLeases> leases;
  std::unique_ptr<Harness> harness;
  std::unique_ptr<ClusterNode> cluster;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.ready()) << redis_.log(); }

  std::optional<std::string> lease_owner(const std::string& meeting) {
    auto admin = redis_.connect();
    auto reply = admin->command({"GET", redis_keys::lease(meeting)});
    if (!reply || reply->is_nil()) return std::nullopt;
    return reply->text;
  }
  void expire_lease(const std::string& meeting) {
    ASSERT_TRUE(redis_.connect()->command({"DEL", redis_keys::lease(meeting)}));
  }
  MeetingRecord stored(const std::string& meeting) {
    auto s = open_redis_storage(redis_.url());
    auto m = (*s)->load_meeting(meeting);
    EXPECT_TRUE(m && *m);
    return m && *m ? **m : MeetingRecord{};
  }

  RedisTestServer redis_;
};

TEST_F(ClusterTest, OneOwnerRedirectsFailoverAndFencing) {
  const Bytes group = to_bytes(std::string_view("g"));
  Node a(redis_, "node-a");
  Node b(redis_, "node-b");

  // alice opens the meeting on A: A takes the lease.
  const ConnectionId a_alice = a.hello("m", "alice");
  const auto alice = a.session(a_alice);
  EXPECT_EQ(alice.role, protocol::Role::creator);
  EXPECT_EQ(lease_owner("m"), "node-a");
  a.harness->send(a_alice, protocol::GroupCreated{group, group_info_message(group, 0)});

  // bob asks B: redirected to A, and B's connection is closed; B holds nothing.
  const ConnectionId b_bob = b.hello("m", "bob");
  auto redirects = b.harness->take<protocol::Redirect>(b_bob);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0].url, "wss://node-a.test:8443/v1/meetings");
  EXPECT_TRUE(b.harness->closed.contains(b_bob));
  EXPECT_TRUE(b.harness->take<protocol::Session>(b_bob).empty());
  EXPECT_FALSE(b.harness->service().has_meeting("m"));
  EXPECT_TRUE(b.cluster->owned().empty());

  // bob follows the redirect; alice admits him and commits twice more (seq 1..3).
  const ConnectionId a_bob = a.hello("m", "bob");
  const auto bob = a.session(a_bob);
  EXPECT_EQ(bob.role, protocol::Role::joiner);
  a.harness->send(a_bob, protocol::SubmitKeyPackage{key_package_message()});
  a.harness->send(
      a_alice, protocol::SubmitCommit{
                   0, commit_message(group, 0), welcome_message(), {}, {{bob.participant, 1}}, {}});
  a.harness->send(a_alice, protocol::SubmitCommit{1, commit_message(group, 1, 1), {}, {}, {}, {}});
  a.harness->send(a_alice, protocol::SubmitCommit{2, commit_message(group, 2, 2), {}, {}, {}, {}});
  ASSERT_EQ(a.harness->take<protocol::CommitResult>(a_alice).size(), 3u);
  EXPECT_EQ(a.harness->service().stats().storage_errors, 0u);
  EXPECT_EQ(stored("m").epoch, 3u);

  // A stops renewing (paused, partitioned, or dead): its lease expires. bob, cut off,
  // resumes on B, which takes the lease and adopts the meeting from Redis.
  expire_lease("m");
  const ConnectionId b_bob2 = b.hello("m", "bob", bob.resume_token, 1);
  const auto bob2 = b.session(b_bob2);
  EXPECT_EQ(bob2.participant, bob.participant);
  EXPECT_EQ(bob2.role, protocol::Role::member);
  EXPECT_EQ(bob2.epoch, 3u);
  EXPECT_EQ(lease_owner("m"), "node-b");
  EXPECT_TRUE(b.cluster->owned().contains("m"));
  auto catch_up = b.harness->take<protocol::MlsDelivery>(b_bob2);
  ASSERT_EQ(catch_up.size(), 2u);
  EXPECT_EQ(catch_up[0].seq, 2u);
  EXPECT_EQ(catch_up[1].seq, 3u);

  // Fencing: A does not know yet and accepts alice's next Commit in memory, but its
  // write is refused: Redis keeps B's view of the meeting.
  a.harness->send(a_alice, protocol::SubmitCommit{3, commit_message(group, 3, 9), {}, {}, {}, {}});
  EXPECT_GE(a.harness->service().stats().storage_errors, 1u);
  const auto after_zombie = stored("m");
  EXPECT_EQ(after_zombie.epoch, 3u);
  EXPECT_EQ(after_zombie.last_seq, 3u);

  // A's next renewal finds the lease gone: it drops the meeting and closes alice.
  a.tick(std::chrono::milliseconds(1000));
  EXPECT_FALSE(a.harness->service().has_meeting("m"));
  EXPECT_TRUE(a.cluster->owned().empty());
  EXPECT_TRUE(a.harness->closed.contains(a_alice));
  // ... and sends her next hello to B.
  const ConnectionId a_alice2 = a.hello("m", "alice", alice.resume_token, 3);
  ASSERT_EQ(a.harness->take<protocol::Redirect>(a_alice2).size(), 1u);

  // alice resumes on B and leads; the meeting goes on at epoch 3 with seq 4.
  const ConnectionId b_alice = b.hello("m", "alice", alice.resume_token, 3);
  const auto alice2 = b.session(b_alice);
  EXPECT_EQ(alice2.participant, alice.participant);
  EXPECT_EQ(alice2.role, protocol::Role::leader);
  b.harness->send(b_alice, protocol::SubmitCommit{3, commit_message(group, 3), {}, {}, {}, {}});
  auto result = b.harness->take<protocol::CommitResult>(b_alice);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_TRUE(result[0].accepted);
  EXPECT_EQ(result[0].seq, 4u);
  auto fan_out = b.harness->take<protocol::MlsDelivery>(b_bob2);
  ASSERT_EQ(fan_out.size(), 1u);
  EXPECT_EQ(fan_out[0].seq, 4u);
  EXPECT_EQ(fan_out[0].message, commit_message(group, 3));
  EXPECT_EQ(b.harness->service().stats().storage_errors, 0u);
  EXPECT_EQ(stored("m").epoch, 4u);
  EXPECT_EQ(stored("m").log.size(), 4u);
}

// A meeting that ends gives its lease back at the next renewal; a stopping node gives
// back all of its leases.
TEST_F(ClusterTest, EndedMeetingsAndStoppingNodesReleaseLeases) {
  Node a(redis_, "node-a");
  const ConnectionId c1 = a.hello("m1", "alice");
  a.session(c1);
  const ConnectionId c2 = a.hello("m2", "carol");
  a.session(c2);
  EXPECT_EQ(lease_owner("m1"), "node-a");
  EXPECT_EQ(lease_owner("m2"), "node-a");

  // m1's creator leaves before any group: m1 ends (idle timeout) and is erased.
  a.harness->close(c1);
  a.tick(std::chrono::minutes(31));
  EXPECT_FALSE(a.harness->service().has_meeting("m1"));
  EXPECT_EQ(lease_owner("m1"), std::nullopt);
  EXPECT_EQ(lease_owner("m2"), "node-a");

  a.cluster->release_all();
  EXPECT_EQ(lease_owner("m2"), std::nullopt);
  Node b(redis_, "node-b");
  b.session(b.hello("m2", "carol"));
  EXPECT_EQ(lease_owner("m2"), "node-b");
}

// A hello the service refuses (bad token) takes no lease and is not redirected: an
// outsider learns nothing about where a meeting lives.
TEST_F(ClusterTest, UnauthorizedHelloTakesNoLease) {
  Node a(redis_, "node-a");
  const ConnectionId c = a.hello("m", "mallory", {}, {}, "wrong");
  EXPECT_EQ(lease_owner("m"), std::nullopt);
  auto errors = a.harness->take<protocol::ServiceError>(c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, "unauthorized");

  Node b(redis_, "node-b");
  b.session(b.hello("m", "bob"));
  const ConnectionId c2 = a.hello("m", "mallory", {}, {}, "wrong");
  EXPECT_TRUE(a.harness->take<protocol::Redirect>(c2).empty());
  EXPECT_EQ(a.harness->take<protocol::ServiceError>(c2).at(0).code, "unauthorized");
}

// A node restarted with the same id within the TTL finds its own lease: it adopts
// the meeting instead of redirecting to itself.
TEST_F(ClusterTest, RestartedNodeKeepsItsLease) {
  protocol::Session alice;
  {
    Node a(redis_, "node-a");
    alice = a.session(a.hello("m", "alice"));
  }
  Node a(redis_, "node-a");
  const ConnectionId c = a.hello("m", "alice", alice.resume_token);
  const auto again = a.session(c);
  EXPECT_EQ(again.participant, alice.participant);
  EXPECT_TRUE(a.cluster->owned().contains("m"));
}

TEST_F(ClusterTest, BadConfigurationsAreRefused) {
  ClusterConfig config;
  config.node_id = "n";
  config.advertised_url = "wss://n.test/v1/meetings";
  config.lease_ttl = std::chrono::milliseconds(3000);
  EXPECT_TRUE(MeetingLeases::open(redis_.url(), config));
  auto bad = config;
  bad.node_id.clear();
  EXPECT_FALSE(MeetingLeases::open(redis_.url(), bad));
  bad = config;
  bad.advertised_url = "ws://n.test/v1/meetings";
  EXPECT_FALSE(MeetingLeases::open(redis_.url(), bad));
  bad = config;
  bad.lease_ttl = std::chrono::milliseconds(10);
  EXPECT_FALSE(MeetingLeases::open(redis_.url(), bad));
}

}  // namespace
}  // namespace ztm::server
