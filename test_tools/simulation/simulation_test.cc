// The meeting simulation with an honest service (label simulation): agreement on
// roster, epoch and security code; media without undecryptable frames; the
// security-code and key-hygiene rules; failover; tree filling.
#include <gtest/gtest.h>

#include "ztm/base/parallel.h"
#include "ztm_sim/simulation.h"

namespace ztm_sim {
namespace {

using namespace std::chrono_literals;
using ztm::meeting::EngineState;
using ztm::meeting::IdentityStatus;

std::string misbehavior_of(Simulation& sim) {
  std::string out;
  for (std::size_t i = 0; i < sim.size(); ++i) {
    for (const auto& m : sim.member(i).misbehavior) {
      out += std::to_string(i) + ": " + std::string(ztm::meeting::to_string(m.kind)) + " " +
             m.detail + "\n";
    }
  }
  return out;
}

std::size_t leader_of(Simulation& sim) {
  for (std::size_t i = 0; i < sim.size(); ++i) {
    if (sim.member(i).connected && sim.member(i).engine->is_leader()) return i;
  }
  return sim.size();
}

TEST(Simulation, SmallMeetingAgrees) {
  Simulation sim;
  for (int i = 0; i < 5; ++i) sim.add_member();
  sim.run(10s);
  ASSERT_EQ(sim.in_group().size(), 5u);
  EXPECT_EQ(sim.agreement(), "");
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
  EXPECT_GT(sim.media_frames(), 0u);
  EXPECT_EQ(sim.media_failures(), 0u) << sim.last_media_failure();
  const auto& e = *sim.member(3).engine;
  // Four groups of five digits.
  const std::string& code = e.security_code();
  ASSERT_EQ(code.size(), 23u);
  for (std::size_t k = 0; k < code.size(); ++k) {
    EXPECT_TRUE(k % 6 == 5 ? code[k] == ' ' : (code[k] >= '0' && code[k] <= '9')) << code;
  }
  // The roster is the group's leaves with their validated identities.
  ASSERT_EQ(e.roster().size(), 5u);
  for (const auto& m : e.roster()) {
    EXPECT_EQ(m.identity.status, IdentityStatus::verified);
    EXPECT_EQ(m.identity.organization, "Example Corp");
    EXPECT_TRUE(m.participant.has_value());
  }
  EXPECT_EQ(leader_of(sim), 0u);
}

TEST(Simulation, SecurityCodeChangesOnJoinNotOnLeave) {
  Simulation sim;
  for (int i = 0; i < 4; ++i) sim.add_member();
  sim.run(5s);
  const std::string before = sim.member(0).engine->security_code();
  const auto epoch_before = sim.member(0).engine->epoch();
  sim.leave(2);
  sim.run(5s);
  EXPECT_GT(sim.member(0).engine->epoch(), epoch_before);
  EXPECT_EQ(sim.member(0).engine->security_code(), before);  // remove only: carried
  EXPECT_EQ(sim.agreement(), "");
  sim.add_member(IdentityKind::provider);
  sim.run(5s);
  const std::string after_join = sim.member(0).engine->security_code();
  EXPECT_NE(after_join, before);
  EXPECT_EQ(sim.agreement(), "");
  // The provider-authenticated joiner is shown, not as verified.
  const auto& roster = sim.member(1).engine->roster();
  ASSERT_EQ(roster.size(), 4u);
  EXPECT_EQ(std::count_if(roster.begin(), roster.end(),
                          [](const auto& m) {
                            return m.identity.status == IdentityStatus::provider_authenticated;
                          }),
            1);
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
  EXPECT_EQ(sim.media_failures(), 0u) << sim.last_media_failure();
}

TEST(Simulation, RemovedMemberAndJoinerSeeOnlyTheirEpochs) {
  SimOptions o;
  o.media_every = 0;
  Simulation sim(o);
  for (int i = 0; i < 3; ++i) sim.add_member();
  sim.run(5s);
  auto& alice = *sim.member(0).engine;
  // A frame sent before the joiner arrives.
  ztm::Bytes buf(128);
  const auto early = alice.protect(0, ztm::to_bytes("before"), {}, buf).value();
  const ztm::Bytes early_frame(early.begin(), early.end());
  const std::size_t dave = sim.add_member();
  sim.run(5s);
  ASSERT_EQ(sim.member(dave).engine->state(), EngineState::member);
  EXPECT_EQ(
      sim.member(dave).engine->media_keys().unprotect(early_frame, {}, sim.now()).error().code,
      ztm::Errc::unknown_key);
  // Carol (member 2) leaves; a frame sent after her removal is not hers to read.
  sim.leave(2);
  sim.run(5s);
  EXPECT_EQ(sim.member(2).engine->state(), EngineState::left);
  EXPECT_EQ(sim.member(2).engine->media_keys().epoch_count(), 0u);  // erased on leave
  const auto late = alice.protect(0, ztm::to_bytes("after"), {}, buf).value();
  const ztm::Bytes late_frame(late.begin(), late.end());
  EXPECT_FALSE(sim.member(2).engine->media_keys().unprotect(late_frame, {}, sim.now()));
  EXPECT_TRUE(sim.member(1).engine->media_keys().unprotect(late_frame, {}, sim.now()));
  EXPECT_TRUE(sim.member(dave).engine->media_keys().unprotect(late_frame, {}, sim.now()));
}

TEST(Simulation, OldEpochKeysAreErasedAfterTheGracePeriod) {
  SimOptions o;
  o.media_every = 0;
  o.fill_tree = false;
  Simulation sim(o);
  for (int i = 0; i < 3; ++i) sim.add_member();
  sim.run(5s);
  auto& bob = *sim.member(1).engine;
  const std::uint64_t old_epoch = *bob.epoch();
  ztm::Bytes buf(128);
  const auto f = sim.member(0).engine->protect(0, ztm::to_bytes("x"), {}, buf).value();
  const ztm::Bytes frame(f.begin(), f.end());
  sim.add_member();
  sim.run(2s);  // within the grace period (10 s): the old epoch still decrypts
  ASSERT_GT(*bob.epoch(), old_epoch);
  EXPECT_TRUE(bob.media_keys().has_epoch(old_epoch));
  EXPECT_TRUE(bob.media_keys().unprotect(frame, {}, sim.now()));
  sim.run(12s);
  EXPECT_FALSE(bob.media_keys().has_epoch(old_epoch));
  EXPECT_EQ(bob.media_keys().unprotect(frame, {}, sim.now()).error().code, ztm::Errc::unknown_key);
}

TEST(Simulation, JoinsArriveInOneBatchedCommit) {
  SimOptions o;
  o.fill_tree = false;
  Simulation sim(o);
  sim.add_member();
  sim.run(1s);
  for (int i = 0; i < 20; ++i) sim.add_member();
  sim.run(5s);
  EXPECT_EQ(sim.in_group().size(), 21u);
  EXPECT_EQ(sim.member(0).engine->epoch(), 1u);  // one Commit, one Welcome
  EXPECT_EQ(sim.member(0).engine->stats().commits_sent, 1u);
  EXPECT_EQ(sim.agreement(), "");
  // Every member that was sending when someone joined is asked for a keyframe.
  EXPECT_GE(sim.member(0).keyframe_requests, 1u);
}

TEST(Simulation, LeaderFailoverRemovesTheOldLeader) {
  Simulation sim;
  for (int i = 0; i < 6; ++i) sim.add_member();
  sim.run(5s);
  ASSERT_EQ(leader_of(sim), 0u);
  const auto code = sim.member(1).engine->security_code();
  sim.leave(0);
  sim.run(5s);
  const std::size_t next = leader_of(sim);
  ASSERT_LT(next, sim.size());
  EXPECT_NE(next, 0u);
  EXPECT_EQ(sim.member(1).engine->roster().size(), 5u);
  EXPECT_EQ(sim.member(1).engine->security_code(), code);
  // A leader whose connection dies is replaced at once, and removed after
  // the reconnect grace has passed.
  sim.disconnect(next);
  sim.run(15s);
  const std::size_t third = leader_of(sim);
  ASSERT_LT(third, sim.size());
  EXPECT_NE(third, next);
  EXPECT_EQ(sim.member(third).engine->roster().size(), 4u);
  // A joiner still gets in.
  sim.add_member();
  sim.run(5s);
  EXPECT_EQ(sim.in_group().size(), 5u);
  EXPECT_EQ(sim.agreement(), "");
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
  EXPECT_EQ(sim.media_failures(), 0u) << sim.last_media_failure();
}

TEST(Simulation, StalledLeaderIsReplacedAndJoinerResent) {
  Simulation sim;
  for (int i = 0; i < 4; ++i) sim.add_member();
  sim.run(5s);
  ASSERT_EQ(leader_of(sim), 0u);
  // The leader stops answering join requests (its JoinRequests vanish).
  sim.set_filter([](ConnId to, protocol::ServerMessage m) {
    std::vector<protocol::ServerMessage> out;
    if (to == 0 && std::holds_alternative<protocol::JoinRequest>(m)) return out;
    out.push_back(std::move(m));
    return out;
  });
  const std::size_t joiner = sim.add_member();
  sim.run(20s);
  EXPECT_EQ(sim.member(joiner).engine->state(), EngineState::member);
  EXPECT_NE(leader_of(sim), 0u);
  EXPECT_GE(sim.service().leader_changes(), 1u);
  // The stalled leader was removed by its successor's first Commit.
  EXPECT_EQ(sim.member(0).engine->state(), EngineState::left);
  EXPECT_EQ(sim.agreement(), "");
}

TEST(Simulation, ReconnectCatchesUp) {
  Simulation sim;
  for (int i = 0; i < 5; ++i) sim.add_member();
  sim.run(5s);
  sim.disconnect(3);
  sim.add_member();
  sim.leave(1);
  sim.run(3s);  // within the reconnect grace
  sim.reconnect(3);
  sim.run(5s);
  EXPECT_EQ(sim.member(3).engine->state(), EngineState::member);
  EXPECT_EQ(sim.agreement(), "");
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
}

// Hundreds of members with random joins, leaves, leader departures and
// reconnections: after every phase all honest members agree, and no honest
// receiver met an undecryptable frame.
TEST(Simulation, RandomChurnWithHundredsOfMembers) {
  SimOptions o;
  o.seed = 42;
  o.media_every = 97;
  o.media_senders = 6;
  Simulation sim(o);
  for (int i = 0; i < 110; ++i)
    sim.add_member(i % 5 == 4 ? IdentityKind::provider : IdentityKind::verified);
  sim.run(10s);
  ASSERT_EQ(sim.in_group().size(), 110u);
  ASSERT_EQ(sim.agreement(), "");
  std::uniform_int_distribution<int> action(0, 9);
  std::size_t leader_departures = 0;
  for (int round = 0; round < 16; ++round) {
    const auto members = sim.in_group();
    const int a = action(sim.rng());
    if (a <= 3) {
      for (int k = 0; k < 1 + a; ++k) sim.add_member();
    } else if (a <= 6) {
      const auto victim = members[sim.rng()() % members.size()];
      sim.leave(victim);
    } else if (a == 7) {
      const std::size_t l = leader_of(sim);
      if (l < sim.size()) {
        sim.leave(l);
        ++leader_departures;
      }
    } else {
      const auto who = members[sim.rng()() % members.size()];
      sim.disconnect(who);
      sim.run(2s);
      sim.reconnect(who);
    }
    sim.run(4s);
    ASSERT_EQ(sim.agreement(), "") << "round " << round;
  }
  sim.run(30s);
  EXPECT_EQ(sim.agreement(), "");
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
  EXPECT_GT(sim.media_frames(), 1000u);
  EXPECT_EQ(sim.media_failures(), 0u) << sim.last_media_failure();
  EXPECT_GT(sim.in_group().size(), 90u);
  std::uint64_t self_updates = 0;
  for (auto i : sim.in_group()) self_updates += sim.member(i).engine->stats().self_updates_sent;
  EXPECT_GT(self_updates, 0u);
  RecordProperty("leader_departures", static_cast<int>(leader_departures));
}

// Tree filling: right after a burst of joins every parent is blank and a Remove
// encrypts to every leaf; once members have self-updated it encrypts to O(log N).
TEST(Simulation, SelfUpdatesKeepRemovesSmall) {
  SimOptions o;
  o.x509 = false;
  o.media_every = 0;
  o.fill_quiet_period = 200ms;
  Simulation sim(o);
  sim.add_member();
  sim.run(1s);
  for (int i = 0; i < 63; ++i) sim.add_member();
  sim.run(200ms);  // joined, not yet self-updated
  ASSERT_EQ(sim.in_group().size(), 64u);
  auto& leader = *sim.member(0).engine;
  sim.leave(63);
  sim.run(60ms);
  const std::size_t burst_bytes = leader.stats().last_commit_bytes;
  sim.run(120s);  // settle: staggered self-updates
  sim.leave(62);
  sim.run(60ms);
  const std::size_t settled_bytes = leader.stats().last_commit_bytes;
  EXPECT_GT(burst_bytes, 3000u);
  EXPECT_LT(settled_bytes, burst_bytes / 3) << burst_bytes << " -> " << settled_bytes;
  EXPECT_EQ(sim.agreement(), "");
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
}

// A joiner with a cold verifier judges every member's X.509 chain in parallel
// (ztm::parallel_for, more threads than cores so the calls overlap): it lists
// exactly the roster the members list, verified and provider-authenticated alike,
// and the provider-authenticated members show as such.
TEST(Simulation, ColdJoinerValidatesMembersInParallel) {
  SimOptions o;
  o.media_every = 0;
  Simulation sim(o);
  for (int i = 0; i < 40; ++i) {
    sim.add_member(i % 4 == 3 ? IdentityKind::provider : IdentityKind::verified);
  }
  sim.run(5s);
  ASSERT_EQ(sim.in_group().size(), 40u);
  const std::size_t threads_before = ztm::parallelism();
  ztm::set_parallelism(4);
  const std::size_t joiner = sim.add_member_with_own_verifier();
  sim.run(2s);
  ztm::set_parallelism(threads_before);
  ASSERT_EQ(sim.member(joiner).engine->state(), EngineState::member);
  EXPECT_EQ(sim.agreement(), "");
  std::size_t provider = 0;
  std::size_t verified = 0;
  for (const auto& r : sim.member(joiner).engine->roster()) {
    provider += r.identity.status == IdentityStatus::provider_authenticated ? 1 : 0;
    verified += r.identity.status == IdentityStatus::verified ? 1 : 0;
  }
  EXPECT_EQ(provider, 10u);
  EXPECT_EQ(verified, 31u);
  EXPECT_EQ(sim.misbehavior_count(), 0u) << misbehavior_of(sim);
}

}  // namespace
}  // namespace ztm_sim
