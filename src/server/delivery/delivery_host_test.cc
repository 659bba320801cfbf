// Rule 3 with a host (docs/protocol.md, docs/decisions/0074): the host leads whenever
// it is a connected group member; the leader it replaces stays a member. Host tokens
// cannot be forged from participant tokens.
#include <gtest/gtest.h>

#include "delivery/delivery_test_util.h"
#include "ztm/server/delivery_service.h"
#include "ztm/server/service.h"

namespace ztm::server {
namespace {

using namespace std::chrono_literals;
using testing::commit_message;
using testing::group_info_message;
using testing::Harness;
using testing::key_package_message;
using testing::welcome_message;

const Bytes kGroup = to_bytes(std::string_view("group-h"));

DeliveryConfig host_config() {
  DeliveryConfig c;
  c.is_host = [](const protocol::Hello& hello) { return hello.display_hint == "host"; };
  return c;
}

struct Joined {
  ConnectionId c = 0;
  protocol::Session session;
  std::string id() const { return session.participant; }
};

// admit: `name` joins and `leader` commits its Add at `epoch` with leaf `leaf`.
Joined admit(Harness& h, ConnectionId leader, const std::string& name, std::uint64_t epoch,
             std::uint32_t leaf) {
  auto [c, s] = h.join("m", name);
  EXPECT_EQ(s.role, protocol::Role::joiner);
  h.send(c, protocol::SubmitKeyPackage{key_package_message()});
  EXPECT_EQ(h.take<protocol::JoinRequest>(leader).size(), 1u);
  h.send(leader, protocol::SubmitCommit{epoch,
                                        commit_message(kGroup, epoch),
                                        welcome_message(),
                                        group_info_message(kGroup, epoch + 1),
                                        {{s.participant, leaf}},
                                        {}});
  auto results = h.take<protocol::CommitResult>(leader);
  EXPECT_TRUE(results.size() == 1 && results[0].accepted);
  EXPECT_EQ(h.take<protocol::WelcomeDelivery>(c).size(), 1u);
  return {c, s};
}

// A meeting of alice (creator, leader) and bob, then the host admitted by alice.
struct HostMeeting {
  explicit HostMeeting(Storage& storage) : h(storage, host_config()) {
    auto [c, s] = h.join("m", "alice");
    a = {c, s};
    h.send(a.c, protocol::GroupCreated{kGroup, group_info_message(kGroup, 0)});
    b = admit(h, a.c, "bob", 0, 1);
  }
  Harness h;
  Joined a;
  Joined b;
};

TEST(DeliveryHostTest, HostAdmittedAfterOthersLeadsAndNobodyIsRemoved) {
  MemoryStorage storage;
  HostMeeting hm(storage);
  Harness& h = hm.h;
  h.clear();
  // Not yet admitted, the host does not lead: its KeyPackage goes to alice.
  Joined host = admit(h, hm.a.c, "host", 1, 2);
  for (auto who : {hm.a.c, hm.b.c, host.c}) {
    auto changed = h.take<protocol::LeaderChanged>(who);
    ASSERT_EQ(changed.size(), 1u) << who;
    EXPECT_EQ(changed[0].leader, host.id());
    EXPECT_FALSE(changed[0].previous.has_value());  // alice steps down, is not removed
    EXPECT_FALSE(changed[0].previous_leaf.has_value());
  }
  EXPECT_TRUE(h.take<protocol::RemoveRequest>(host.c).empty());
  // Alice is still a member: nobody is asked to remove her, even past the timeouts.
  h.advance(20s);
  EXPECT_TRUE(h.take<protocol::RemoveRequest>(host.c).empty());
  EXPECT_TRUE(h.take<protocol::LeaderChanged>(hm.a.c).empty());
  // Join requests now go to the host, not to alice.
  auto [j, sj] = h.join("m", "carol");
  h.send(j, protocol::SubmitKeyPackage{key_package_message()});
  EXPECT_TRUE(h.take<protocol::JoinRequest>(hm.a.c).empty());
  auto requests = h.take<protocol::JoinRequest>(host.c);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, sj.participant);
  auto [x, sx] = h.join("m", "late");
  bool alice_in_group = false;
  for (const auto& e : sx.roster) alice_in_group |= e.participant == hm.a.id() && e.in_group;
  EXPECT_TRUE(alice_in_group);
  // A resumed alice is a member, not the leader.
  h.close(hm.a.c);
  auto [a2, sa2] = h.join("m", "alice", hm.a.session.resume_token, 3);
  EXPECT_EQ(sa2.role, protocol::Role::member);
}

TEST(DeliveryHostTest, HostLeavingFailsOverByAdmissionOrder) {
  MemoryStorage storage;
  HostMeeting hm(storage);
  Harness& h = hm.h;
  Joined host = admit(h, hm.a.c, "host", 1, 2);
  h.clear();
  h.close(host.c);
  for (auto who : {hm.a.c, hm.b.c}) {
    auto changed = h.take<protocol::LeaderChanged>(who);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].leader, hm.a.id());
    EXPECT_EQ(changed[0].previous, host.id());
    EXPECT_EQ(changed[0].previous_leaf, 2u);
  }
}

// A member that resumes with a host credential takes over; nobody is removed.
TEST(DeliveryHostTest, MemberResumingAsHostTakesOver) {
  MemoryStorage storage;
  HostMeeting hm(storage);
  Harness& h = hm.h;
  h.close(hm.b.c);
  h.clear();
  auto [b2, sb2] = h.join("m", "host", hm.b.session.resume_token, 1);
  EXPECT_EQ(sb2.participant, hm.b.id());
  for (auto who : {hm.a.c, b2}) {
    auto changed = h.take<protocol::LeaderChanged>(who);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].leader, hm.b.id());
    EXPECT_FALSE(changed[0].previous.has_value());
  }
}

TEST(DeliveryHostTest, HostStillLeadsAfterRestart) {
  MemoryStorage storage;
  Joined host;
  std::string alice_token;
  {
    HostMeeting hm(storage);
    host = admit(hm.h, hm.a.c, "host", 1, 2);
    alice_token = hm.a.session.resume_token;
  }
  Harness h(storage, host_config());
  auto [a2, sa2] = h.join("m", "alice", alice_token, 2);
  EXPECT_EQ(sa2.role, protocol::Role::member);
  auto [c2, s2] = h.join("m", "host", host.session.resume_token, 2);
  EXPECT_EQ(s2.participant, host.id());
  EXPECT_EQ(s2.role, protocol::Role::leader);
  const auto all = storage.load_all();
  ASSERT_TRUE(all);
  for (const auto& p : all->at(0).participants) EXPECT_EQ(p.host, p.participant == host.id());
}

TEST(DeliveryHostTest, MeetingWithoutHostKeepsAdmissionOrder) {
  MemoryStorage storage;
  Harness h(storage, DeliveryConfig{});
  auto [a, sa] = h.join("m", "alice");
  h.send(a, protocol::GroupCreated{kGroup, group_info_message(kGroup, 0)});
  h.clear();
  Joined host = admit(h, a, "host", 0, 1);  // no is_host check: "host" is just a name
  EXPECT_TRUE(h.take<protocol::LeaderChanged>(a).empty());
  EXPECT_TRUE(h.take<protocol::LeaderChanged>(host.c).empty());
}

TEST(MeetingTokenTest, HostFlagCannotBeForged) {
  const SecretBytes secret(Bytes(32, 0x42));
  const std::string member = mint_meeting_token(secret, "m", "bob");
  const std::string host = mint_meeting_token(secret, "m", "bob", true);
  ASSERT_EQ(member.rfind("v1.", 0), 0u);
  ASSERT_EQ(host.rfind("v1h.", 0), 0u);
  EXPECT_TRUE(check_meeting_token(secret, "m", "bob", member));
  EXPECT_FALSE(check_host_token(secret, "m", "bob", member));
  EXPECT_TRUE(check_meeting_token(secret, "m", "bob", host));
  EXPECT_TRUE(check_host_token(secret, "m", "bob", host));
  // The participant's token with the host flag set: its MAC does not cover a host.
  const std::string forged = "v1h." + member.substr(3);
  EXPECT_FALSE(check_host_token(secret, "m", "bob", forged));
  EXPECT_FALSE(check_meeting_token(secret, "m", "bob", forged));
  // A host token is bound to its meeting and name like any token.
  EXPECT_FALSE(check_host_token(secret, "m2", "bob", host));
  EXPECT_FALSE(check_host_token(secret, "m", "eve", host));
  EXPECT_TRUE(check_host_token(secret, "m", "anyone", mint_meeting_token(secret, "m", "", true)));
}

}  // namespace
}  // namespace ztm::server
