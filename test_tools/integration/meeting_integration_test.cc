// Integration tests: the real `ztmeet server` and real `ztmeet join` processes on
// loopback (label `integration`). Each test asserts what the clients report in
// their --json events and what they wrote (frame hash logs).
#include "meeting_fixture.h"

#include "ztm/identity/enrollment.h"

#include <algorithm>

namespace ztm_integration {
namespace {

std::string code_of(const json& status) {
  return status.value("security_code", "");
}
std::uint64_t epoch_of(const json& status) {
  return status.value("epoch", 0ull);
}

// all_equal: every status shows the same code and epoch.
bool all_equal(const std::map<std::string, json>& views) {
  std::set<std::pair<std::string, std::uint64_t>> seen;
  for (const auto& [name, s] : views) seen.insert({code_of(s), epoch_of(s)});
  return seen.size() == 1;
}

const json* member(const json& status, const std::string& identity) {
  for (const auto& m : status["participants"]) {
    if (m.value("identity", "") == identity) return &m;
  }
  return nullptr;
}

class Meeting : public MeetingFixture {};

TEST_F(Meeting, JoinLeaveWithSameSecurityCodeAndByteIdenticalMedia) {
  make_identity("alice", "alice@example.test", false, false);
  make_identity("guest", "guest@partner.test", false, true);
  start_service();
  join("alice");
  ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout)) << log_text("alice");
  join("guest", {}, /*video=*/true);
  auto views = wait_group({"alice", "guest"}, {"alice@example.test", "guest@partner.test"});
  ASSERT_EQ(views.size(), 2u);
  EXPECT_TRUE(all_equal(views));
  // Each client judged the other's credential itself.
  EXPECT_EQ((*member(views["alice"], "guest@partner.test"))["status"], "provider-authenticated");
  EXPECT_EQ((*member(views["guest"], "alice@example.test"))["status"], "verified");
  EXPECT_EQ((*member(views["guest"], "alice@example.test"))["organization"], "Example Corp");

  // Media both ways (alice: audio; guest: audio + video).
  ASSERT_TRUE(wait_frames_from("alice", "guest@partner.test", 50));
  ASSERT_TRUE(wait_frames_from("guest", "alice@example.test", 50));

  const auto code_before = code_of(views["alice"]);
  const auto epoch_before = epoch_of(views["alice"]);
  auto guest_summary = leave("guest");
  EXPECT_TRUE(guest_summary.value("keys_erased", false));
  auto after = wait_group({"alice"}, {"alice@example.test"}, epoch_before + 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(code_of(after["alice"]), code_before) << "a leave must not change the code";
  auto alice_summary = leave("alice");
  EXPECT_TRUE(alice_summary.value("keys_erased", false));

  // Every frame each one decrypted is byte-identical to one the other sent.
  auto alice_sent = read_log("alice", "sent");
  auto guest_sent = read_log("guest", "sent");
  auto at_guest = ztm::media::compare(alice_sent, read_log("guest", "received"));
  auto at_alice = ztm::media::compare(guest_sent, read_log("alice", "received"));
  EXPECT_TRUE(at_guest.byte_identical());
  EXPECT_TRUE(at_alice.byte_identical());
  EXPECT_GT(at_alice.matched, 50u);
  EXPECT_EQ(at_alice.matched, alice_summary.value("frames_decrypted", 0ull));
  EXPECT_EQ(at_guest.matched, guest_summary.value("frames_decrypted", 0ull));
}

// epoch_events: the epochs a client reported (in order) before the first event named
// `until` (or all of them).
std::vector<std::uint64_t> epochs_before(const ztm::demo::Participant& c,
                                         const std::string& until) {
  std::vector<std::uint64_t> out;
  for (const auto& e : c.events()) {
    if (!until.empty() && e.value("event", "") == until) break;
    if (e.value("event", "") == "epoch") out.push_back(e.value("epoch", 0ull));
  }
  return out;
}

TEST_F(Meeting, LeaderCrashIsFailedOverAndTheNewLeaderRemovesIt) {
  make_members({"alice", "bob", "carol"});
  auto views = start_meeting({"alice", "bob", "carol"});
  ASSERT_EQ(views.size(), 3u);
  ASSERT_TRUE(all_equal(views));
  const auto code = code_of(views["alice"]);
  const auto epoch = epoch_of(views["alice"]);

  client("alice").process().kill();  // the leader crashes: no leave, no goodbye
  auto after = wait_group({"bob", "carol"}, {"bob@example.test", "carol@example.test"}, epoch + 1);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_TRUE(all_equal(after));
  EXPECT_EQ(code_of(after["bob"]), code) << "a removal must not change the code";
  // Exactly one of the two took the leader role.
  int leaders = 0;
  for (const char* n : {"bob", "carol"}) {
    if (client(n).wait_for(
            "role", [](const json& e) { return e.value("role", "") == "leader"; },
            milliseconds(0))) {
      ++leaders;
    }
  }
  EXPECT_EQ(leaders, 1);
  // And the meeting goes on: media flows between the two.
  const auto from_bob = frames_from("carol", "bob@example.test");
  EXPECT_TRUE(wait_frames_from("carol", "bob@example.test", from_bob + 25));
}

TEST_F(Meeting, ServiceRestartResumesTheMeetingAtItsEpoch) {
  make_members({"alice", "bob", "carol"});
  auto views = start_meeting({"alice", "bob"});
  ASSERT_TRUE(all_equal(views));

  ASSERT_TRUE(service_->restart().has_value()) << ztm_test::read_text(service_->options().log_file);
  // Both clients notice, reconnect and resume their sessions.
  for (const char* n : {"alice", "bob"}) {
    ASSERT_TRUE(client(n).wait_for("reconnected", nullptr, kTimeout)) << n;
  }
  // The service resumed each at the epoch it had before the restart.
  for (const char* n : {"alice", "bob"}) {
    const auto before = epochs_before(client(n), "disconnected");
    ASSERT_FALSE(before.empty());
    int sessions = 0;
    auto resumed = client(n).wait_for(
        "session", [&](const json&) { return ++sessions == 2; }, kTimeout);
    ASSERT_TRUE(resumed.has_value()) << n;
    EXPECT_EQ(resumed->value("epoch", 0ull), before.back()) << n;
  }
  // Nobody was lost, and the meeting goes on: someone new can join.
  join("carol");
  auto after = wait_group({"alice", "bob", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"},
                          epoch_of(views["alice"]) + 1);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_TRUE(all_equal(after));
  EXPECT_TRUE(wait_frames_from("carol", "alice@example.test", 25));
  EXPECT_TRUE(wait_frames_from("alice", "carol@example.test", 25));
}

TEST_F(Meeting, ReconnectingMemberCatchesUpOnWhatItMissed) {
  make_members({"alice", "bob", "carol"});
  auto views = start_meeting({"alice", "bob"});
  ASSERT_TRUE(all_equal(views));

  // Bob's signaling goes away for 4 s (under the service's reconnect grace); carol
  // joins meanwhile, so bob misses that Commit.
  ASSERT_TRUE(client("bob").command("drop-signaling 4000").has_value());
  ASSERT_TRUE(client("bob").wait_for("disconnected", nullptr, kTimeout));
  join("carol");
  auto with_carol = wait_group({"alice", "carol"},
                               {"alice@example.test", "bob@example.test", "carol@example.test"},
                               epoch_of(views["alice"]) + 1);
  ASSERT_EQ(with_carol.size(), 2u);
  // Bob comes back, gets the missed Commit from the handshake log, and agrees.
  ASSERT_TRUE(client("bob").wait_for("reconnected", nullptr, kTimeout));
  auto all = wait_group({"alice", "bob", "carol"},
                        {"alice@example.test", "bob@example.test", "carol@example.test"},
                        epoch_of(with_carol["alice"]));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all_equal(all));
  EXPECT_TRUE(wait_frames_from("bob", "carol@example.test", 25));
  EXPECT_TRUE(wait_frames_from("carol", "bob@example.test", 25));
}

TEST_F(Meeting, JoinerDecryptsNothingSentBeforeItJoined) {
  make_members({"alice", "bob", "carol"});
  auto views = start_meeting({"alice", "bob"});
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", 50));
  join("carol");
  auto joined = client("carol").wait_for("joined", nullptr, kTimeout);
  ASSERT_TRUE(joined.has_value());
  const auto join_epoch = joined->value("epoch", 0ull);
  ASSERT_TRUE(wait_frames_from("carol", "alice@example.test", 50));
  for (const char* n : {"alice", "bob", "carol"}) leave(n);

  const auto alice_sent = read_epochs("alice", "sent");
  const auto carol_got = read_epochs("carol", "received");
  const auto earlier = std::count_if(alice_sent.begin(), alice_sent.end(),
                                     [&](const auto& r) { return r.epoch < join_epoch; });
  EXPECT_GT(earlier, 50) << "alice sent under earlier epochs";
  ASSERT_FALSE(carol_got.empty());
  for (const auto& r : carol_got) {
    EXPECT_GE(r.epoch, join_epoch) << "carol decrypted a frame of epoch " << r.epoch;
  }
  // And what carol did decrypt is exactly what was sent.
  auto cmp = ztm::media::compare(read_log("alice", "sent"), read_log("carol", "received"), true);
  EXPECT_EQ(cmp.mismatched, 0u);
}

TEST_F(Meeting, RemovedMemberDecryptsNothingSentAfterItsRemoval) {
  make_members({"alice", "bob", "carol"});
  auto views = start_meeting({"alice", "bob", "carol"}, {"--reconnect-grace-ms", "1000"});
  ASSERT_TRUE(all_equal(views));
  ASSERT_TRUE(wait_frames_from("carol", "alice@example.test", 25));
  // Carol's signaling disappears for longer than the service's reconnect grace: the
  // leader removes her, while her media link and her old keys stay where they were.
  ASSERT_TRUE(client("carol").command("drop-signaling 6000").has_value());
  auto after = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"},
                          epoch_of(views["alice"]) + 1);
  ASSERT_EQ(after.size(), 2u);
  const auto removal_epoch = epoch_of(after["alice"]);
  // Carol comes back. The service no longer knows her session (she was removed), so
  // she arrives as a newcomer with a fresh media link: the SFU forwards her the
  // meeting's media again, now under epochs she holds no key for.
  ASSERT_TRUE(client("carol").wait_for("reconnected", nullptr, kTimeout));
  int links = 0;
  ASSERT_TRUE(client("carol").wait_for(
      "media_link",
      [&](const json& e) { return e.value("state", "") == "connected" && ++links == 2; },
      kTimeout));
  const auto from_alice = frames_from("bob", "alice@example.test");
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", from_alice + 100));
  auto carol = leave("carol");
  EXPECT_TRUE(carol.value("keys_erased", false));
  EXPECT_GT(carol.value("decrypt_failures", 0ull), 0u)
      << "frames of the new epochs reached carol and did not decrypt";
  for (const char* n : {"alice", "bob"}) leave(n);

  const auto alice_sent = read_epochs("alice", "sent");
  const auto later = std::count_if(alice_sent.begin(), alice_sent.end(),
                                   [&](const auto& r) { return r.epoch >= removal_epoch; });
  EXPECT_GT(later, 100) << "alice sent under the epochs after carol's removal";
  for (const auto& r : read_epochs("carol", "received")) {
    EXPECT_LT(r.epoch, removal_epoch) << "carol decrypted a frame of epoch " << r.epoch;
  }
}

TEST_F(Meeting, VerifiedOnlyMeetingRefusesAGuestWhoThenDecryptsNothing) {
  make_members({"alice", "bob"});
  make_identity("guest", "guest@partner.test", false, true);
  start_service();
  join("alice", {"--policy", "verified-only"});
  ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout));
  join("bob");
  auto views = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_TRUE(all_equal(views));
  join("guest");
  // The guest's media link is up: the SFU forwards the meeting's media to it.
  ASSERT_TRUE(client("guest").wait_for(
      "media_link", [](const json& e) { return e.value("state", "") == "connected"; }, kTimeout));
  const auto from_alice = frames_from("bob", "alice@example.test");
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", from_alice + 100));
  // ... but the members never admitted the guest, so it holds no key.
  auto guest_status = client("guest").wait_for(
      "status", [](const json& s) { return s.value("shield", "") != "connecting"; }, kTimeout);
  ASSERT_TRUE(guest_status.has_value());
  EXPECT_EQ(guest_status->value("shield", ""), "joining");
  EXPECT_FALSE(client("guest").wait_for("joined", nullptr, milliseconds(0)).has_value());
  auto guest = leave("guest");
  EXPECT_EQ(guest.value("frames_decrypted", 1ull), 0u);
  // The group never changed for it.
  auto still = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  EXPECT_EQ(code_of(still["alice"]), code_of(views["alice"]));
}

TEST_F(Meeting, ServicePosingAsAParticipantGetsTheCiphertextButNoKey) {
  make_members({"alice", "bob"});
  // The service's own listener: a certificate from a CA the service made up. The
  // service can give it a seat in signaling and media forwarding (authentication
  // there is the service's business), but the members trust no such CA.
  auto rogue_ca = ztm_test::make_root(ztm_test::ca_spec("Meeting Service Recorder CA", "Service"));
  const auto rogue_pem = dir_.path() / "rogue.pem";
  ztm_test::write_text(rogue_pem.string(), rogue_ca.cert.pem());
  {
    const auto out = dir_.path() / "id" / "listener";
    std::filesystem::create_directories(out);
    auto key =
        ztm::crypto::SignaturePrivateKey::generate(ztm::crypto::SignatureScheme::ed25519).value();
    auto leaf =
        ztm_test::issue(ztm_test::leaf_spec({ztm_test::SanEntry::email, "recorder@service.test"}),
                        key.evp_pkey(), &rogue_ca);
    ASSERT_TRUE(ztm::identity::write_private_key_pem(key, out / "signature-key.pem").has_value());
    ztm_test::write_text((out / "chain.pem").string(), leaf.pem());
  }
  auto views = start_meeting({"alice", "bob"});
  ASSERT_EQ(views.size(), 2u);
  join("listener", {"--anchor", "provider:" + rogue_pem.string()});
  ASSERT_TRUE(client("listener")
                  .wait_for(
                      "media_link",
                      [](const json& e) { return e.value("state", "") == "connected"; }, kTimeout));
  const auto from_alice = frames_from("bob", "alice@example.test");
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", from_alice + 100));
  auto listener = leave("listener");
  // Everything reached it, nothing decrypted.
  EXPECT_GT(listener.value("decrypt_failures", 0ull), 0u);
  EXPECT_EQ(listener.value("frames_decrypted", 1ull), 0u);
  EXPECT_FALSE(client("listener").wait_for("joined", nullptr, milliseconds(0)).has_value());
  // The members never admitted it, and their code is the one from before.
  auto still = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  EXPECT_EQ(code_of(still["alice"]), code_of(views["alice"]));
}

}  // namespace
}  // namespace ztm_integration
