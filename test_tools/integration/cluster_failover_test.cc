// A multi-node service (docs/decisions/0075-multi-node-redis-leases.md) as real
// processes on loopback: one redis-server, two `ztmeet server --redis --node-id`
// nodes with their SFUs, and real `ztmeet join` clients that know both nodes. The
// owner of the meeting is killed (SIGKILL); its lease expires; the clients reconnect
// to the other node, which takes the lease, loads the meeting from Redis, and the
// meeting continues: a new member is admitted by a new Commit and media flows
// through the new owner's SFU.
#include <algorithm>
#include <iostream>
#include <thread>

#include "meeting_fixture.h"

namespace ztm_integration {
namespace {

constexpr int kLeaseTtlMs = 2000;

class ClusterFailover : public MeetingFixture {
 protected:
  void TearDown() override {
    nodes_.clear();
    if (redis_) redis_->stop();
    MeetingFixture::TearDown();
  }

  // start_redis starts redis-server; with a password, it requires it (requirepass)
  // and the nodes read it from a 0600 file (--redis-password-file).
  void start_redis(const std::string& password = {}) {
    redis_port_ = ztm::demo::free_port();
    std::vector<std::string> args{"--port",       std::to_string(redis_port_),
                                  "--bind",       "127.0.0.1",
                                  "--save",       "",
                                  "--appendonly", "no",
                                  "--dir",        dir_.path().string()};
    if (!password.empty()) {
      args.insert(args.end(), {"--requirepass", password});
      password_file_ = dir_.path() / "redis-password";
      ztm_test::write_text(password_file_.string(), password + "\n");
      std::filesystem::permissions(
          password_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    auto p = ztm::demo::Process::spawn(
        {"redis-server", args, {}, dir_.path() / "redis.log", false, false});
    ASSERT_TRUE(p.has_value()) << p.error().what();
    redis_.emplace(std::move(*p));
  }

  std::string redis_url() const { return "redis://127.0.0.1:" + std::to_string(redis_port_); }
  static std::string url_of(std::uint16_t port) {
    return "wss://127.0.0.1:" + std::to_string(port) + "/v1/meetings";
  }

  // start_node runs one node (its stdout and stderr, spdlog's lines included, go to
  // <id>.log) and waits for its "listening" line there. A node that exits at once
  // (it raced redis-server's start) is started again.
  // With cluster = false it is a single node keeping its state in Redis. Port 0: a
  // free one; a given port restarts a node where its clients know it.
  std::uint16_t start_node(const std::string& id, bool cluster = true,
                           int lease_ttl_ms = kLeaseTtlMs, std::uint16_t port = 0) {
    if (port == 0) port = ztm::demo::free_port();
    const auto log = dir_.path() / (id + ".log");
    std::vector<std::string> args = {"server",
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port),
                                     "--cert",
                                     pki_.leaf_cert.string(),
                                     "--key",
                                     pki_.leaf_key.string(),
                                     "--open",
                                     "--redis",
                                     redis_url(),
                                     "--reconnect-grace-ms",
                                     "20000",
                                     "--media-listen",
                                     "127.0.0.1:0"};
    if (cluster) {
      args.insert(args.end(), {"--node-id", id, "--lease-ttl-ms", std::to_string(lease_ttl_ms)});
    }
    if (!password_file_.empty()) {
      args.insert(args.end(), {"--redis-password-file", password_file_.string()});
    }
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto p = ztm::demo::Process::spawn({ztmeet_binary(), args, {}, log, false, false});
      EXPECT_TRUE(p.has_value());
      if (!p) return 0;
      while (p->running() && std::chrono::steady_clock::now() < deadline) {
        if (ztm_test::read_text(log).find("listening on") != std::string::npos) {
          nodes_[id] = std::move(*p);
          return port;
        }
        std::this_thread::sleep_for(milliseconds(50));
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
    ADD_FAILURE() << id << " did not start:\n" << log_text(id);
    return 0;
  }

  // join_via starts a client whose first node is `first` and that also knows `other`.
  ztm::demo::Participant& join_via(const std::string& name, std::uint16_t first,
                                   std::uint16_t other) {
    relay_url_ = url_of(first);  // the fixture's join() connects to relay_url_ when set
    return join(name, {"--also-service", url_of(other)});
  }

  // wait_sessions waits until a client has had `n` sessions (n - 1 resumptions).
  bool wait_sessions(const std::string& name, int n) {
    int sessions = 0;
    return client(name)
        .wait_for(
            "session", [&](const json&) { return ++sessions >= n; }, kTimeout)
        .has_value();
  }

  bool saw_event(const std::string& name, const std::string& event) {
    client(name).poll();
    const auto& events = client(name).events();
    return std::any_of(events.begin(), events.end(),
                       [&](const json& e) { return e.value("event", "") == event; });
  }

  std::optional<ztm::demo::Process> redis_;
  std::uint16_t redis_port_ = 0;
  std::filesystem::path password_file_;
  std::map<std::string, ztm::demo::Process> nodes_;
};

TEST_F(ClusterFailover, OwnerKilledMeetingContinuesOnAnotherNode) {
  make_identity("alice", "alice@example.test", false, false);
  make_identity("bob", "bob@example.test", false, false);
  make_identity("carol", "carol@example.test", false, false);
  start_redis();
  const auto a = start_node("node-a");
  const auto b = start_node("node-b");
  ASSERT_TRUE(a && b);

  // alice opens the meeting on node a; bob asks node b and is redirected to a.
  join_via("alice", a, b);
  ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout)) << log_text("alice");
  join_via("bob", b, a);
  auto views = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_EQ(views.size(), 2u);
  const auto epoch_before = views["alice"].value("epoch", 0ull);
  EXPECT_TRUE(saw_event("bob", "redirect")) << "bob reached the meeting without a redirect";
  EXPECT_NE(log_text("node-b").find("redirect to node node-a"), std::string::npos);
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", 20)) << "no media through node a";

  // The owner dies without a word. Its lease expires after kLeaseTtlMs; until then
  // node b redirects to the dead node, and the clients come back to b.
  nodes_.at("node-a").kill();
  ASSERT_TRUE(client("alice").wait_for("disconnected", nullptr, kTimeout));
  ASSERT_TRUE(client("bob").wait_for("disconnected", nullptr, kTimeout));
  // A second session each: resumed on node b (after redirects to the dead node).
  for (const auto* name : {"alice", "bob"}) {
    ASSERT_TRUE(wait_sessions(name, 2)) << name << "\n" << log_text(name);
  }
  // For the record (not asserted): how long bob was without a session.
  {
    std::int64_t lost_ms = -1;
    std::int64_t back_ms = -1;
    int sessions = 0;
    for (const auto& e : client("bob").events()) {
      const auto event = e.value("event", "");
      if (event == "disconnected" && lost_ms < 0) lost_ms = e.value("t_ms", 0ll);
      if (event == "session" && ++sessions == 2) back_ms = e.value("t_ms", 0ll);
    }
    RecordProperty("interruption_ms", std::to_string(back_ms - lost_ms));
    std::cout << "bob resumed on node b " << back_ms - lost_ms
              << " ms after losing node a (lease ttl " << kLeaseTtlMs << " ms)\n";
  }
  auto resumed = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_EQ(resumed.size(), 2u) << log_text("node-b");
  EXPECT_NE(log_text("node-b").find("adopted at epoch"), std::string::npos) << log_text("node-b");

  // The meeting continues on b: carol is admitted by a new Commit, and media flows
  // through node b's SFU (the clients renewed their media link with the new session).
  const auto alice_frames = frames_from("bob", "alice@example.test");
  join_via("carol", b, a);
  auto after = wait_group({"alice", "bob", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"},
                          epoch_before + 1);
  ASSERT_EQ(after.size(), 3u) << log_text("node-b");
  EXPECT_FALSE(saw_event("carol", "redirect")) << "node b should own the meeting now";
  EXPECT_TRUE(wait_frames_from("bob", "alice@example.test", alice_frames + 20));
  EXPECT_TRUE(wait_frames_from("carol", "bob@example.test", 20));
  for (const auto* name : {"alice", "bob", "carol"}) {
    client(name).poll();
    auto status = client(name).latest("status");
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE((*status)["alerts"].empty()) << name << ": " << status->dump();
  }
}

// A node that stops (SIGTERM) gives its leases back: its members go on at the other
// node at once, although the lease TTL (60 s) is longer than the test's timeout.
TEST_F(ClusterFailover, StoppingOwnerHandsItsMeetingsOverAtOnce) {
  make_identity("alice", "alice@example.test", false, false);
  make_identity("bob", "bob@example.test", false, false);
  start_redis();
  const auto a = start_node("node-a", true, 60000);
  const auto b = start_node("node-b", true, 60000);
  ASSERT_TRUE(a && b);
  join_via("alice", a, b);
  ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout)) << log_text("alice");
  join_via("bob", a, b);
  auto views = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_EQ(views.size(), 2u);
  const auto epoch_before = views["alice"].value("epoch", 0ull);

  nodes_.at("node-a").stop();
  for (const auto* name : {"alice", "bob"}) {
    ASSERT_TRUE(wait_sessions(name, 2)) << name << "\n" << log_text(name);
  }
  EXPECT_NE(log_text("node-b").find("adopted at epoch"), std::string::npos) << log_text("node-b");
  // The meeting goes on at node b: alice (still the leader) admits carol.
  make_identity("carol", "carol@example.test", false, false);
  join_via("carol", b, a);
  auto after = wait_group({"alice", "bob", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"},
                          epoch_before + 1);
  EXPECT_EQ(after.size(), 3u) << log_text("node-b");
}

// Stage 1 as processes: one node keeping its state in a Redis that requires a
// password restarts, and its meeting resumes at its epoch.
TEST_F(ClusterFailover, SingleNodeOnRedisRestartsAndResumes) {
  make_identity("alice", "alice@example.test", false, false);
  make_identity("bob", "bob@example.test", false, false);
  start_redis("redis-pass-5d1e");
  const auto port = start_node("solo", false);
  ASSERT_TRUE(port);
  relay_url_ = url_of(port);
  join("alice");
  ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout)) << log_text("alice");
  join("bob");
  auto views = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_EQ(views.size(), 2u);
  const auto code = views["alice"].value("security_code", "");

  nodes_.at("solo").stop();
  nodes_.erase("solo");
  ASSERT_EQ(start_node("solo", false, 0, port), port);
  for (const auto* name : {"alice", "bob"}) {
    ASSERT_TRUE(wait_sessions(name, 2)) << name << "\n" << log_text(name);
  }
  EXPECT_NE(log_text("solo").find("storage: resumed meetings=1"), std::string::npos)
      << log_text("solo");
  auto resumed = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_EQ(resumed["bob"].value("security_code", ""), code);

  // A password file others may read is refused before anything starts, and the
  // password does not appear in any log.
  std::filesystem::permissions(password_file_, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  const auto refused = ztm_test::run_command(
      ztmeet_binary() + " server --listen 127.0.0.1:" + std::to_string(ztm::demo::free_port()) +
      " --cert " + pki_.leaf_cert.string() + " --key " + pki_.leaf_key.string() +
      " --open --redis " + redis_url() + " --redis-password-file " + password_file_.string() +
      " > " + (dir_.path() / "refused.log").string() + " 2>&1");
  EXPECT_NE(refused, 0);
  EXPECT_NE(ztm_test::read_text(dir_.path() / "refused.log").find("chmod 600"), std::string::npos)
      << ztm_test::read_text(dir_.path() / "refused.log");
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().extension() == ".log" && entry.path().filename() != "redis.log") {
      EXPECT_EQ(ztm_test::read_text(entry.path()).find("redis-pass-5d1e"), std::string::npos)
          << entry.path();
    }
  }
}

}  // namespace
}  // namespace ztm_integration
