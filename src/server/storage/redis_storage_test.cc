// Storage backends side by side: the cases of storage_test.cc that are not about
// SQLite files run against MemoryStorage, SqliteStorage and RedisStorage (a real
// redis-server on loopback), then RedisStorage's own rules: fencing by the meeting
// lease, first-writer-wins service keys, URLs and database numbers.
#include <filesystem>

#include <gtest/gtest.h>

#include "delivery/delivery_test_util.h"
#include "storage/redis_keys.h"
#include "storage/redis_test_server.h"
#include "ztm/server/cluster.h"
#include "ztm/server/storage.h"

namespace ztm::server {
namespace {

using testing::commit_message;
using testing::group_info_message;
using testing::Harness;
using testing::key_package_message;
using testing::RedisTestServer;
using testing::welcome_message;

// Backend opens "the same stored state" again, as a restarted process would.
class Backend : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      redis_ = std::make_unique<RedisTestServer>();
      ASSERT_TRUE(redis_->ready()) << redis_->log();
    }
  }

  // open returns a fresh handle on the backend's state (MemoryStorage: the one object).
  Storage& open() {
    if (GetParam() == "memory") return memory_;
    std::unique_ptr<Storage> s;
    if (GetParam() == "sqlite") {
      auto opened = open_sqlite_storage((dir_.path() / "service.db").string());
      EXPECT_TRUE(opened) << opened.error().what();
      s = std::move(*opened);
    } else {
      auto opened = open_redis_storage(redis_->url());
      EXPECT_TRUE(opened) << opened.error().what();
      s = std::move(*opened);
    }
    handles_.push_back(std::move(s));
    return *handles_.back();
  }

  ztm_test::TempDir dir_{"ztm-storage"};
  std::unique_ptr<RedisTestServer> redis_;
  MemoryStorage memory_;
  std::vector<std::unique_ptr<Storage>> handles_;
};

MeetingRecord sample_meeting() {
  MeetingRecord m;
  m.meeting = "m1";
  m.cipher_suite = 3;
  m.group_id = Bytes{1, 2, 3};
  m.epoch = 7;
  m.last_seq = 9;
  m.leader = "p2";
  m.next_participant_number = 4;
  m.group_info = Bytes{9, 9};
  return m;
}

TEST_P(Backend, RoundTripsEveryField) {
  {
    Storage& s = open();
    ParticipantRecord p;
    p.participant = "p2";
    p.display_hint = "bob";
    p.resume_token_hash = Bytes(32, 5);
    p.in_group = true;
    p.leaf = 3;
    p.admission_seq = 2;
    p.removal_pending = true;
    p.demoted = true;
    p.welcome = Bytes{4};
    p.welcome_epoch = 3;
    p.welcome_seq = 2;
    p.host = true;
    ParticipantRecord j;
    j.participant = "p3";
    j.creator = true;
    j.key_package = Bytes{};  // present but empty stays present
    ASSERT_TRUE(s.begin());
    ASSERT_TRUE(s.put_meeting(sample_meeting()));
    ASSERT_TRUE(s.put_participant("m1", p));
    ASSERT_TRUE(s.put_participant("m1", j));
    ASSERT_TRUE(s.append_log("m1", {1, protocol::MlsKind::commit, 0, "p1", {1}}));
    ASSERT_TRUE(s.append_log("m1", {2, protocol::MlsKind::proposal, 1, "p2", {2}}));
    ASSERT_TRUE(s.put_service_key("k", SecretBytes(Bytes{7, 7})));
    ASSERT_TRUE(s.commit());
  }
  Storage& s = open();
  auto all = s.load_all();
  ASSERT_TRUE(all) << all.error().what();
  ASSERT_EQ(all->size(), 1u);
  const auto& m = all->front();
  EXPECT_EQ(m.meeting, "m1");
  EXPECT_EQ(m.cipher_suite, 3);
  EXPECT_EQ(m.group_id, (Bytes{1, 2, 3}));
  EXPECT_EQ(m.epoch, 7u);
  EXPECT_EQ(m.last_seq, 9u);
  EXPECT_EQ(m.leader, "p2");
  EXPECT_EQ(m.next_participant_number, 4u);
  EXPECT_EQ(m.group_info, (Bytes{9, 9}));
  ASSERT_EQ(m.participants.size(), 2u);
  const auto& p = m.participants[0];
  EXPECT_EQ(p.participant, "p2");
  EXPECT_EQ(p.display_hint, "bob");
  EXPECT_EQ(p.resume_token_hash, Bytes(32, 5));
  EXPECT_TRUE(p.in_group);
  EXPECT_FALSE(p.creator);
  EXPECT_EQ(p.leaf, 3u);
  EXPECT_EQ(p.admission_seq, 2u);
  EXPECT_TRUE(p.removal_pending);
  EXPECT_TRUE(p.demoted);
  EXPECT_FALSE(p.key_package.has_value());
  EXPECT_EQ(p.welcome, Bytes{4});
  EXPECT_EQ(p.welcome_epoch, 3u);
  EXPECT_EQ(p.welcome_seq, 2u);
  EXPECT_TRUE(p.host);
  const auto& joiner = m.participants[1];
  EXPECT_TRUE(joiner.creator);
  EXPECT_FALSE(joiner.host);
  EXPECT_TRUE(joiner.key_package.has_value());
  EXPECT_FALSE(joiner.leaf.has_value());
  EXPECT_FALSE(joiner.welcome.has_value());
  ASSERT_EQ(m.log.size(), 2u);
  EXPECT_EQ(m.log[0].seq, 1u);
  EXPECT_EQ(m.log[1].kind, protocol::MlsKind::proposal);
  EXPECT_EQ(m.log[1].epoch, 1u);
  EXPECT_EQ(m.log[1].sender, "p2");
  EXPECT_EQ(m.log[1].message, Bytes{2});
  auto key = s.service_key("k");
  ASSERT_TRUE(key && *key);
  EXPECT_TRUE(equal((*key)->expose(), Bytes{7, 7}));
  EXPECT_FALSE(*s.service_key("other"));

  auto one = s.load_meeting("m1");
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->participants.size(), 2u);
  EXPECT_EQ((*one)->log.size(), 2u);
  auto none = s.load_meeting("m2");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(s.begin());
  ASSERT_TRUE(s.delete_participant("m1", "p3"));
  ASSERT_TRUE(s.commit());
  EXPECT_EQ(s.load_all()->at(0).participants.size(), 1u);
  ASSERT_TRUE(s.begin());
  ASSERT_TRUE(s.delete_meeting("m1"));
  ASSERT_TRUE(s.commit());
  EXPECT_TRUE(s.load_all()->empty());
  EXPECT_FALSE(*s.load_meeting("m1"));
}

// Writes outside begin()/commit() are written at once (the external-sender key is
// stored that way).
TEST_P(Backend, WriteOutsideAnEventIsKept) {
  ASSERT_TRUE(open().put_service_key("k", SecretBytes(Bytes{1, 2})));
  auto key = open().service_key("k");
  ASSERT_TRUE(key && *key);
  EXPECT_TRUE(equal((*key)->expose(), Bytes{1, 2}));
}

// An event whose writes fail (a log seq stored twice) writes nothing, and the next
// event writes normally.
TEST_P(Backend, FailedEventWritesNothing) {
  if (GetParam() == "memory") GTEST_SKIP() << "MemoryStorage does not check log seqs";
  Storage& s = open();
  MeetingRecord m;
  m.meeting = "m";
  ASSERT_TRUE(s.begin());
  ASSERT_TRUE(s.put_meeting(m));
  ASSERT_TRUE(s.append_log("m", {1, protocol::MlsKind::commit, 0, "p1", {1}}));
  ASSERT_TRUE(s.commit());

  m.epoch = 5;
  ASSERT_TRUE(s.begin());
  ASSERT_TRUE(s.put_meeting(m));
  auto written = s.append_log("m", {1, protocol::MlsKind::commit, 0, "p1", {2}});
  if (written) written = s.commit();
  EXPECT_FALSE(written);

  ASSERT_TRUE(s.begin());
  ASSERT_TRUE(s.append_log("m", {2, protocol::MlsKind::commit, 1, "p1", {3}}));
  ASSERT_TRUE(s.commit());
  auto all = open().load_all();
  ASSERT_TRUE(all && all->size() == 1u);
  EXPECT_EQ(all->at(0).epoch, 0u);
  ASSERT_EQ(all->at(0).log.size(), 2u);
  EXPECT_EQ(all->at(0).log[0].message, Bytes{1});
  EXPECT_EQ(all->at(0).log[1].message, Bytes{3});
}

// The acceptance rule of docs/operations.md on every backend: a restarted service
// resumes every meeting at its epoch; a client resumes with its token and gets the
// catch-up, and the meeting goes on.
TEST_P(Backend, RestartedServiceResumesMeetingAtItsEpoch) {
  const Bytes group = to_bytes(std::string_view("g"));
  protocol::Session alice, bob;
  {
    Harness h(open());
    auto [a, sa] = h.join("m", "alice");
    alice = sa;
    h.send(a, protocol::GroupCreated{group, group_info_message(group, 0)});
    auto [b, sb] = h.join("m", "bob");
    bob = sb;
    h.send(b, protocol::SubmitKeyPackage{key_package_message()});
    h.send(a, protocol::SubmitCommit{
                  0, commit_message(group, 0), welcome_message(), {}, {{sb.participant, 1}}, {}});
    h.close(b);
    h.send(a, protocol::SubmitCommit{1, commit_message(group, 1, 1), {}, {}, {}, {}});
    h.send(a, protocol::SubmitCommit{2, commit_message(group, 2, 2), {}, {}, {}, {}});
    ASSERT_EQ(h.take<protocol::CommitResult>(a).size(), 3u);
    EXPECT_EQ(h.service().stats().storage_errors, 0u);
  }

  Harness h(open());
  EXPECT_EQ(h.service().stats().meetings, 1u);
  auto [b, sb] = h.join("m", "bob", bob.resume_token, 1);
  EXPECT_EQ(sb.participant, bob.participant);
  EXPECT_EQ(sb.role, protocol::Role::member);
  EXPECT_EQ(sb.epoch, 3u);
  auto replay = h.take<protocol::MlsDelivery>(b);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].seq, 2u);
  EXPECT_EQ(replay[0].message, commit_message(group, 1, 1));
  EXPECT_EQ(replay[1].seq, 3u);
  auto [a, sa] = h.join("m", "alice", alice.resume_token, 3);
  EXPECT_EQ(sa.role, protocol::Role::leader);
  EXPECT_TRUE(h.take<protocol::MlsDelivery>(a).empty());
  h.send(a, protocol::SubmitCommit{2, commit_message(group, 2), {}, {}, {}, {}});
  EXPECT_EQ(h.take<protocol::CommitResult>(a).at(0).reason, "epoch_taken");
  h.send(a, protocol::SubmitCommit{3, commit_message(group, 3), {}, {}, {}, {}});
  auto r = h.take<protocol::CommitResult>(a).at(0);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.seq, 4u);
  EXPECT_EQ(h.take<protocol::MlsDelivery>(b).at(0).seq, 4u);
  EXPECT_EQ(h.service().stats().storage_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, Backend, ::testing::Values("memory", "sqlite", "redis"),
                         [](const auto& info) { return info.param; });

// ---------------------------------------------------------------- Redis only

class RedisStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.ready()) << redis_.log(); }
  RedisTestServer redis_;
};

// Fencing: with a fence (a node id), a meeting's writes need that node's lease; a
// node whose lease went to another node writes nothing, not even part of an event.
TEST_F(RedisStorageTest, WritesNeedTheMeetingLease) {
  auto node_a = open_redis_storage(redis_.url(), "node-a");
  ASSERT_TRUE(node_a) << node_a.error().what();
  auto admin = redis_.connect();
  ASSERT_TRUE(admin);
  Storage& a = **node_a;
  MeetingRecord m;
  m.meeting = "m";

  ASSERT_TRUE(a.begin());
  ASSERT_TRUE(a.put_meeting(m));
  auto refused = a.commit();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("fenced"), std::string::npos) << refused.error().what();
  EXPECT_TRUE(a.load_all()->empty());

  ASSERT_TRUE(admin->command({"SET", redis_keys::lease("m"), "node-a", "PX", "60000"}));
  ASSERT_TRUE(a.begin());
  ASSERT_TRUE(a.put_meeting(m));
  ASSERT_TRUE(a.append_log("m", {1, protocol::MlsKind::commit, 0, "p1", {1}}));
  ASSERT_TRUE(a.commit());

  // The lease moves to node b (node a's expired and b took it).
  ASSERT_TRUE(admin->command({"SET", redis_keys::lease("m"), "node-b", "PX", "60000"}));
  m.epoch = 1;
  ASSERT_TRUE(a.begin());
  ASSERT_TRUE(a.put_meeting(m));
  ASSERT_TRUE(a.append_log("m", {2, protocol::MlsKind::commit, 1, "p1", {2}}));
  EXPECT_FALSE(a.commit());
  ASSERT_FALSE(a.delete_meeting("m"));  // outside an event: refused at once

  auto node_b = open_redis_storage(redis_.url(), "node-b");
  ASSERT_TRUE(node_b);
  auto stored = (*node_b)->load_meeting("m");
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->epoch, 0u);
  EXPECT_EQ((*stored)->log.size(), 1u);
  m.epoch = 2;
  ASSERT_TRUE((*node_b)->begin());
  ASSERT_TRUE((*node_b)->put_meeting(m));
  ASSERT_TRUE((*node_b)->commit());
  EXPECT_EQ((*(*node_b)->load_meeting("m"))->epoch, 2u);

  // Service keys are the service's, not a meeting's: no lease needed.
  EXPECT_TRUE(a.put_service_key("k", SecretBytes(Bytes{1})));
}

// Two nodes that create the external-sender key at once: the first stored key stays,
// the second node's put fails (it reads the stored one next time), an identical put
// succeeds.
TEST_F(RedisStorageTest, FirstServiceKeyStays) {
  auto a = open_redis_storage(redis_.url());
  auto b = open_redis_storage(redis_.url());
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*a)->put_service_key("external_sender/1", SecretBytes(Bytes{1, 1})));
  EXPECT_FALSE((*b)->put_service_key("external_sender/1", SecretBytes(Bytes{2, 2})));
  EXPECT_TRUE((*b)->put_service_key("external_sender/1", SecretBytes(Bytes{1, 1})));
  auto key = (*b)->service_key("external_sender/1");
  ASSERT_TRUE(key && *key);
  EXPECT_TRUE(equal((*key)->expose(), Bytes{1, 1}));
}

// Binary-safe keys and values: a meeting id with separators and NUL bytes, a log
// message with every byte value.
TEST_F(RedisStorageTest, BinaryIdsAndMessagesRoundTrip) {
  auto s = open_redis_storage(redis_.url());
  ASSERT_TRUE(s);
  const std::string id = std::string("a:log:b\0c", 9);
  Bytes message(256);
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i);
  MeetingRecord m;
  m.meeting = id;
  ASSERT_TRUE((*s)->begin());
  ASSERT_TRUE((*s)->put_meeting(m));
  ASSERT_TRUE((*s)->append_log(id, {1, protocol::MlsKind::application, 0, "p1", message}));
  ASSERT_TRUE((*s)->commit());
  auto all = (*s)->load_all();
  ASSERT_TRUE(all && all->size() == 1u);
  EXPECT_EQ(all->at(0).meeting, id);
  ASSERT_EQ(all->at(0).log.size(), 1u);
  EXPECT_EQ(all->at(0).log[0].message, message);
}

// A record that is not ours (another program wrote the key) is an error, not a crash.
TEST_F(RedisStorageTest, MalformedRecordIsAnError) {
  auto admin = redis_.connect();
  ASSERT_TRUE(admin);
  ASSERT_TRUE(admin->command({"SADD", std::string(redis_keys::kMeetings), "m"}));
  ASSERT_TRUE(admin->command({"SET", redis_keys::row("m"), "not cbor at all"}));
  auto s = open_redis_storage(redis_.url());
  ASSERT_TRUE(s);
  auto all = (*s)->load_all();
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().code, Errc::io_error);
  EXPECT_EQ(all.error().message.find("not cbor"), std::string::npos);
}

TEST_F(RedisStorageTest, DatabaseNumberSeparatesState) {
  auto db0 = open_redis_storage(redis_.url());
  auto db3 = open_redis_storage(redis_.url(3));
  ASSERT_TRUE(db0 && db3);
  MeetingRecord m;
  m.meeting = "m";
  ASSERT_TRUE((*db3)->put_meeting(m));
  EXPECT_EQ((*db3)->load_all()->size(), 1u);
  EXPECT_TRUE((*db0)->load_all()->empty());
}

TEST(RedisUrlTest, BadUrlsAndUnreachableServersFail) {
  for (const char* url :
       {"", "http://127.0.0.1:6379", "redis://", "redis://h:0", "redis://h:x", "redis://h:70000",
        "redis://h:1/x", "redis://user:pw@h:1", "redis://[::1"}) {
    auto s = open_redis_storage(url);
    ASSERT_FALSE(s) << url;
    EXPECT_EQ(s.error().code, Errc::invalid_argument) << url;
  }
  // Nothing listens on this port (free_port closed it again).
  auto s = open_redis_storage("redis://127.0.0.1:" + std::to_string(ztm_test::free_port()));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::io_error);
}

// A Redis that wants a password (requirepass) and has an ACL user of its own.
RedisAuth auth(std::string user, std::string_view password) {
  RedisAuth a;
  a.user = std::move(user);
  a.password = SecretBytes(
      ByteView(reinterpret_cast<const std::uint8_t*>(password.data()), password.size()));
  return a;
}

TEST(RedisAuthTest, StateNeedsTheRightCredentials) {
  testing::RedisTestServer redis(
      // The ACL user has what docs/operations.md recommends for the service, no more.
      {"--requirepass", "default-secret-1", "--user", "ztm", "on", ">ztm-secret-2", "~ztm:*",
       "+@read", "+@write", "+@scripting", "+ping", "+select"},
      auth("", "default-secret-1"));
  ASSERT_TRUE(redis.ready()) << redis.log();

  // The default user's password, and an ACL user's: both work, also for db 2.
  for (const auto& [who, credentials] :
       {std::pair{"default", auth("", "default-secret-1")}, {"ztm", auth("ztm", "ztm-secret-2")}}) {
    auto s = open_redis_storage(redis.url(2), "", credentials);
    ASSERT_TRUE(s) << who << ": " << s.error().what();
    MeetingRecord m;
    m.meeting = std::string("m-") + who;
    ASSERT_TRUE((*s)->put_meeting(m));
    EXPECT_FALSE((*s)->load_all()->empty());
  }
  // Everything a cluster node does, as the restricted user: a lease, a fenced batch
  // (a Lua script) with a log entry, a service key, reading it all back.
  ClusterConfig config;
  config.node_id = "a";
  config.advertised_url = "wss://a.example:8443/v1/meetings";
  auto leases = MeetingLeases::open(redis.url(), config, auth("ztm", "ztm-secret-2"));
  ASSERT_TRUE(leases) << leases.error().what();
  auto claim = (*leases)->claim("m-fenced");
  ASSERT_TRUE(claim && claim->ours) << (claim ? claim->owner : claim.error().what());
  EXPECT_TRUE((*leases)->renew({"m-fenced"}));
  auto node = open_redis_storage(redis.url(), "a", auth("ztm", "ztm-secret-2"));
  ASSERT_TRUE(node) << node.error().what();
  MeetingRecord fenced;
  fenced.meeting = "m-fenced";
  LogRecord entry;
  entry.seq = 1;
  entry.sender = "p1";
  entry.message = Bytes{1, 2, 3};
  ASSERT_TRUE((*node)->begin());
  ASSERT_TRUE((*node)->put_meeting(fenced));
  ASSERT_TRUE((*node)->append_log("m-fenced", entry));
  auto committed = (*node)->commit();
  ASSERT_TRUE(committed) << committed.error().what();
  ASSERT_TRUE((*node)->put_service_key("external-sender", SecretBytes(Bytes(32, 7))));
  auto loaded = (*node)->load_meeting("m-fenced");
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->log.size(), 1u);
  EXPECT_TRUE((*leases)->release("m-fenced"));

  // No credentials, a wrong password, a wrong user: refused, typed, and the message
  // does not repeat what was tried.
  auto none = open_redis_storage(redis.url());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::authentication_failed) << none.error().what();
  auto none_db = open_redis_storage(redis.url(2));
  ASSERT_FALSE(none_db);
  EXPECT_EQ(none_db.error().code, Errc::authentication_failed) << none_db.error().what();
  for (const auto& bad : {auth("", "guess-1"), auth("ztm", "guess-2"), auth("nobody", "guess-3")}) {
    auto s = open_redis_storage(redis.url(), "", bad);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::authentication_failed) << s.error().what();
    EXPECT_EQ(s.error().message.find("guess"), std::string::npos) << s.error().message;
  }
  EXPECT_FALSE(MeetingLeases::open(redis.url(), config));
}

}  // namespace
}  // namespace ztm::server
