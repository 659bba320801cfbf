// A hostile service as a real process (hostile_relay.cc in front of `ztmeet server`)
// against real clients: what it does to one victim is detected and shown by that
// victim, and the honest members are not affected.
#include <algorithm>

#include "meeting_fixture.h"

namespace ztm_integration {
namespace {

class HostileService : public MeetingFixture {
 protected:
  // run_meeting: alice creates, bob (the victim, connection 2) joins, then carol
  // joins, which makes a Commit the relay attacks on its way to bob.
  void run_meeting(const std::string& mode) {
    make_members({"alice", "bob", "carol"});
    start_service();
    start_hostile_relay(mode, 2);
    join("alice");
    ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout));
    join("bob");
    ASSERT_TRUE(client("bob").wait_for("joined", nullptr, kTimeout));
    join("carol");
    ASSERT_TRUE(client("carol").wait_for("joined", nullptr, kTimeout));
  }

  std::optional<json> misbehavior(const std::string& name, const std::string& kind) {
    return client(name).wait_for(
        "misbehavior", [&](const json& e) { return kind.empty() || e.value("kind", "") == kind; },
        kTimeout);
  }
};

TEST_F(HostileService, TamperedCommitIsDetectedAndNeverApplied) {
  run_meeting("tamper");
  // The honest members agree on the three of them.
  auto views = wait_group({"alice", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"});
  ASSERT_EQ(views.size(), 2u);
  // Bob detects the altered Commit, says so, and does not apply it: he never shows
  // carol, whom the group did admit, on the strength of a message he could not verify.
  auto alert = misbehavior("bob", "");
  ASSERT_TRUE(alert.has_value());
  auto status = client("bob").wait_for(
      "status", [](const json& s) { return s.value("shield", "") == "alert"; }, kTimeout);
  ASSERT_TRUE(status.has_value());
  for (const auto& m : (*status)["participants"]) {
    EXPECT_NE(m.value("identity", ""), "carol@example.test");
  }
  EXPECT_NE(status->value("security_code", ""), views["alice"].value("security_code", ""));
  for (const char* n : {"alice", "carol"}) {
    client(n).poll();
    auto s = client(n).latest("status");
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->value("shield", ""), "secure") << n;
  }
}

TEST_F(HostileService, ReplayedCommitIsDetectedAndTheGroupStaysIntact) {
  run_meeting("replay");
  auto views = wait_group({"alice", "bob", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"});
  ASSERT_EQ(views.size(), 3u);  // bob applied the real Commit once and agrees
  auto alert = misbehavior("bob", "replay");
  ASSERT_TRUE(alert.has_value());
  EXPECT_TRUE(wait_frames_from("bob", "carol@example.test", 25));
}

TEST_F(HostileService, ForgedCommitBeforeTheRealOneIsRefused) {
  run_meeting("inject");
  auto alert = misbehavior("bob", "");
  ASSERT_TRUE(alert.has_value());
  // The forged Commit changed nothing: bob still applies the real one and agrees.
  auto views = wait_group({"alice", "bob", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"});
  EXPECT_EQ(views.size(), 3u);
}

}  // namespace
}  // namespace ztm_integration
