// The hostile service (labels simulation, hostile): it tampers with, replays,
// reorders, drops and injects MLS messages, forks the group, and adds members of
// its own. Honest members detect and report each, never list a participant the
// group did not authenticate, and (where the attack can be recovered from) end up
// agreeing again.
#include <gtest/gtest.h>

#include "ztm_sim/simulation.h"

namespace ztm_sim {
namespace {

using namespace std::chrono_literals;
using ztm::meeting::EngineState;
using ztm::meeting::IdentityStatus;
using ztm::meeting::MisbehaviorKind;

bool is_commit(const protocol::ServerMessage& m) {
  const auto* d = std::get_if<protocol::MlsDelivery>(&m);
  return d != nullptr && d->kind == protocol::MlsKind::commit;
}

std::size_t reports_of(Simulation& sim, std::size_t i, MisbehaviorKind kind) {
  std::size_t n = 0;
  for (const auto& m : sim.member(i).misbehavior) n += m.kind == kind ? 1 : 0;
  return n;
}

// Every roster entry of every honest member was authenticated by the group.
void expect_only_authenticated(Simulation& sim) {
  for (auto i : sim.in_group()) {
    for (const auto& r : sim.member(i).engine->roster()) {
      EXPECT_TRUE(r.identity.accepted()) << "member " << i << " lists leaf " << r.leaf;
    }
  }
}

class HostileTest : public ::testing::Test {
 protected:
  void start(std::size_t n, SimOptions o = {}) {
    sim_ = std::make_unique<Simulation>(o);
    for (std::size_t i = 0; i < n; ++i) sim_->add_member();
    sim_->run(5s);
    ASSERT_EQ(sim_->in_group().size(), n);
    ASSERT_EQ(sim_->misbehavior_count(), 0u);
  }
  Simulation& sim() { return *sim_; }
  std::unique_ptr<Simulation> sim_;
};

TEST_F(HostileTest, TamperedCommitIsDetectedAndRecovered) {
  start(6);
  const ConnId victim = 3;
  bool done = false;
  sim().set_filter([&](ConnId to, protocol::ServerMessage m) {
    if (!done && to == victim && is_commit(m)) {
      auto& d = std::get<protocol::MlsDelivery>(m);
      d.message[d.message.size() - 40] ^= 0x01;  // inside the signature or tag
      done = true;
    }
    return std::vector<protocol::ServerMessage>{std::move(m)};
  });
  sim().add_member();
  sim().run(5s);
  EXPECT_TRUE(done);
  EXPECT_GE(reports_of(sim(), victim, MisbehaviorKind::tamper), 1u);
  EXPECT_EQ(sim().agreement(), "");  // the resync fetched the real Commit
  EXPECT_EQ(sim().media_failures(), 0u) << sim().last_media_failure();
  expect_only_authenticated(sim());
}

TEST_F(HostileTest, ReplayedCommitIsReported) {
  start(5);
  std::optional<protocol::ServerMessage> first;
  const ConnId victim = 2;
  sim().set_filter([&](ConnId to, protocol::ServerMessage m) {
    std::vector<protocol::ServerMessage> out{m};
    if (to == victim && is_commit(m)) {
      if (!first) {
        first = m;
      } else {
        out.push_back(*first);  // the old Commit again, after the new one
      }
    }
    return out;
  });
  sim().add_member();
  sim().run(3s);
  sim().leave(4);
  sim().run(3s);
  EXPECT_GE(reports_of(sim(), victim, MisbehaviorKind::replay), 1u);
  EXPECT_EQ(sim().agreement(), "");
  expect_only_authenticated(sim());
}

TEST_F(HostileTest, ReorderedCommitsAreReportedAndApplied) {
  SimOptions o;
  o.fill_tree = false;
  start(5, o);
  std::optional<protocol::ServerMessage> held;
  const ConnId victim = 1;
  sim().set_filter([&](ConnId to, protocol::ServerMessage m) {
    std::vector<protocol::ServerMessage> out;
    if (to == victim && is_commit(m)) {
      if (!held) {
        held = std::move(m);
        return out;  // hold the first
      }
      out.push_back(std::move(m));
      out.push_back(std::move(*held));  // then deliver it after the second
      held.reset();
      return out;
    }
    out.push_back(std::move(m));
    return out;
  });
  sim().add_member();
  sim().run(100ms);
  sim().leave(3);
  sim().run(5s);
  EXPECT_GE(reports_of(sim(), victim, MisbehaviorKind::protocol_violation), 1u);
  EXPECT_EQ(sim().agreement(), "");
  EXPECT_EQ(sim().member(victim).engine->state(), EngineState::member);
}

TEST_F(HostileTest, DroppedCommitIsNoticedAndFetchedAgain) {
  SimOptions o;
  o.fill_tree = false;
  start(5, o);
  bool dropped = false;
  const ConnId victim = 2;
  sim().set_filter([&](ConnId to, protocol::ServerMessage m) {
    std::vector<protocol::ServerMessage> out;
    if (!dropped && to == victim && is_commit(m)) {
      dropped = true;
      return out;
    }
    out.push_back(std::move(m));
    return out;
  });
  sim().add_member();
  sim().run(100ms);
  sim().leave(4);  // the next Commit reveals the gap
  sim().run(5s);
  EXPECT_TRUE(dropped);
  EXPECT_GE(sim().member(victim).resyncs, 1u);
  EXPECT_GE(reports_of(sim(), victim, MisbehaviorKind::protocol_violation), 1u);
  EXPECT_EQ(sim().agreement(), "");
}

TEST_F(HostileTest, InjectedCommitsChangeNothing) {
  start(5);
  const auto code = sim().member(0).engine->security_code();
  const auto epoch = sim().member(0).engine->epoch();
  // Garbage, and a real old Commit re-labelled with the current epoch.
  Outbox out;
  sim().service().fan_out({0, protocol::MlsKind::commit, *epoch, "p1", ztm::Bytes(200, 0x42)}, out,
                          false);
  auto old = sim().service().log().front();
  old.message[old.message.size() / 2] ^= 0xFF;
  sim().service().fan_out(old, out, false);
  for (auto& [to, m] : out) sim().inject(to, std::move(m));
  sim().run(3s);
  for (auto i : sim().in_group()) {
    EXPECT_GE(
        reports_of(sim(), i, MisbehaviorKind::tamper) + reports_of(sim(), i, MisbehaviorKind::fork),
        1u)
        << i;
    EXPECT_EQ(sim().member(i).engine->epoch(), epoch);
    EXPECT_EQ(sim().member(i).engine->security_code(), code);
  }
  // The meeting goes on.
  sim().add_member();
  sim().run(5s);
  EXPECT_EQ(sim().in_group().size(), 6u);
  EXPECT_EQ(sim().agreement(), "");
}

TEST_F(HostileTest, ForkIsDetectedByEveryMember) {
  SimOptions o;
  o.fill_tree = false;
  start(6, o);
  // A second, valid Commit for the same epoch from member 5 (as if its
  // self-update raced the leader's Commit and the service accepted both).
  ztm::mls::Group copy = *sim().member(5).engine->group();
  ztm::mls::CommitOptions options;
  options.force_path = true;
  auto other = copy.commit(options);
  ASSERT_TRUE(other);
  const ztm::Bytes c2 = other->commit.encode();
  std::map<ConnId, ztm::Bytes> first_seen;
  std::vector<std::pair<ConnId, protocol::ServerMessage>> later;
  sim().set_filter([&](ConnId to, protocol::ServerMessage m) {
    std::vector<protocol::ServerMessage> out;
    if (is_commit(m) && first_seen.count(to) == 0) {
      auto& d = std::get<protocol::MlsDelivery>(m);
      auto alternative = d;
      if (to % 2 == 1 && to != 5) std::swap(d.message, alternative.message = c2);
      if (to % 2 == 0 || to == 5) alternative.message = c2;
      first_seen[to] = d.message;
      out.push_back(m);
      out.push_back(alternative);  // the other branch's Commit, same seq
      return out;
    }
    out.push_back(std::move(m));
    return out;
  });
  sim().add_member();
  sim().run(5s);
  for (std::size_t i = 0; i < 6; ++i) {
    if (i == 5) continue;  // its own Commit is unknown to its engine
    EXPECT_GE(reports_of(sim(), i, MisbehaviorKind::fork), 1u) << "member " << i;
  }
  expect_only_authenticated(sim());
}

// A validator for the hostile service's own MLS client: it accepts anything.
class AcceptAll final : public ztm::mls::CredentialValidator {
 public:
  ztm::Result<void> validate(const ztm::mls::Credential&, ztm::ByteView) const override {
    return ztm::ok();
  }
};

// The service joins through an external Commit (RFC 9420 §12.4.3.2), using a
// GroupInfo with external_pub it got hold of (ztmeet never publishes one; a
// careless client might) and the public ratchet tree (which a service that saw
// every PublicMessage Commit can rebuild; the simulation copies it from a member).
ztm::Result<ztm::Bytes> service_external_join(Simulation& sim, IdentityKind kind) {
  const ztm::mls::Group& g = *sim.member(1).engine->group();
  ZTM_TRY_ASSIGN(auto info, g.group_info(true, true));
  static AcceptAll accept_all;
  ztm::mls::GroupConfig config;
  config.validator = &accept_all;
  ztm::mls::KeyPackageOptions leaf;  // a leaf that claims to support the policy
  leaf.capabilities.versions = {ztm::mls::ProtocolVersion::mls10};
  leaf.capabilities.cipher_suites = {1};
  leaf.capabilities.credentials = {ztm::mls::CredentialType::x509};
  leaf.capabilities.extensions = {ztm::meeting::kPolicyExtensionType};
  ZTM_TRY_ASSIGN(auto joined,
                 ztm::mls::Group::join_external(info, sim.make_signer(kind, "service"), config,
                                                std::nullopt, std::nullopt, leaf));
  return joined.commit.encode();
}

void inject_commit(Simulation& sim, ztm::Bytes commit, bool advance) {
  Outbox out;
  sim.service().fan_out({0, protocol::MlsKind::commit, sim.service().epoch(), "service", commit},
                        out, advance);
  for (auto& [to, m] : out) sim.inject(to, std::move(m));
}

TEST_F(HostileTest, ServiceAddedProviderMemberIsVisibleAndChangesTheCode) {
  start(5);
  const auto code = sim().member(0).engine->security_code();
  auto commit = service_external_join(sim(), IdentityKind::provider);
  ASSERT_TRUE(commit) << commit.error().what();
  inject_commit(sim(), *commit, true);
  sim().run(3s);
  EXPECT_EQ(sim().agreement(), "");
  for (auto i : sim().in_group()) {
    const auto& e = *sim().member(i).engine;
    ASSERT_EQ(e.roster().size(), 6u);
    EXPECT_EQ(std::count_if(e.roster().begin(), e.roster().end(),
                            [](const auto& r) {
                              return r.identity.status == IdentityStatus::provider_authenticated;
                            }),
              1);
    EXPECT_NE(e.security_code(), code);
    // The service's roster does not list it: flagged.
    EXPECT_GE(reports_of(sim(), i, MisbehaviorKind::roster_disagreement), 1u) << i;
  }
  expect_only_authenticated(sim());
}

TEST_F(HostileTest, ServiceAddedMemberBreaksAVerifiedOnlyPolicy) {
  SimOptions o;
  o.policy = ztm::meeting::Policy::verified_only;
  start(4, o);
  auto commit = service_external_join(sim(), IdentityKind::provider);
  ASSERT_TRUE(commit) << commit.error().what();
  inject_commit(sim(), *commit, true);
  sim().run(3s);
  for (auto i : sim().in_group()) {
    EXPECT_GE(reports_of(sim(), i, MisbehaviorKind::policy_violation), 1u) << i;
    EXPECT_FALSE(sim().member(i).engine->media_allowed());
    ztm::Bytes buf(64);
    EXPECT_FALSE(sim().member(i).engine->protect(0, ztm::to_bytes("x"), {}, buf));
  }
}

TEST_F(HostileTest, ServiceAddedMemberWithForgedCredentialIsRefused) {
  start(4);
  const auto code = sim().member(0).engine->security_code();
  const auto epoch = sim().member(0).engine->epoch();
  auto commit = service_external_join(sim(), IdentityKind::forged);
  ASSERT_TRUE(commit) << commit.error().what();
  inject_commit(sim(), *commit, false);
  sim().run(3s);
  for (auto i : sim().in_group()) {
    EXPECT_GE(reports_of(sim(), i, MisbehaviorKind::tamper), 1u) << i;
    EXPECT_EQ(sim().member(i).engine->roster().size(), 4u);
    EXPECT_EQ(sim().member(i).engine->security_code(), code);
    EXPECT_EQ(sim().member(i).engine->epoch(), epoch);
  }
  expect_only_authenticated(sim());
}

TEST_F(HostileTest, LeaderRefusesJoinerThatBreaksThePolicy) {
  SimOptions o;
  o.policy = ztm::meeting::Policy::verified_only;
  start(3, o);
  const std::size_t guest = sim().add_member(IdentityKind::provider);
  sim().run(5s);
  EXPECT_NE(sim().member(guest).engine->state(), EngineState::member);
  EXPECT_EQ(sim().member(0).engine->roster().size(), 3u);
  EXPECT_EQ(sim().misbehavior_count(), 0u);
}

}  // namespace
}  // namespace ztm_sim
