// Seeded randomized multi-member simulation of the group state: random
// batches of Adds via Welcome, Removes, empty and path Commits by random
// members, proposals by reference, external joins and application messages
// delivered out of order within an epoch and across one epoch boundary. After
// every step all members agree on epoch, epoch_authenticator and tree hash,
// and members removed earlier cannot read what is sent now.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"

namespace ztm::mls {
namespace {

constexpr int kSteps = 60;
constexpr std::size_t kMaxMembers = 10;

struct SimMember {
  std::string name;
  Group group;
};

// LateMessage is an application message sent in one epoch and delivered after
// the next Commit.
struct LateMessage {
  std::string sender;
  MLSMessage message;
  Bytes text;
  std::vector<std::string> recipients;
};

struct SimParam {
  std::uint16_t suite;
  std::uint32_t seed;
};

class Simulation : public ::testing::TestWithParam<SimParam> {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<CipherSuite>(CipherSuite::create(GetParam().suite).value());
    rng_.seed(GetParam().seed);
    config_.validator = &validator_;
  }

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  MemberSigner signer(const std::string& name) {
    return {crypto::SignaturePrivateKey::generate(suite_->signature_scheme()).value(),
            Credential::basic(to_bytes(name))};
  }

  std::string fresh_name() { return "m" + std::to_string(next_name_++); }

  SimMember* find(const std::string& name) {
    for (auto& m : members_) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }

  // apply_commit has everyone but the committer process `result`, moves the
  // committer to the new epoch, drops removed members (keeping their last
  // state) and joins `joiners` from the Welcome.
  void apply_commit(std::size_t committer, CommitResult result,
                    std::vector<std::pair<std::string, KeyPackageBundle>> joiners) {
    std::vector<SimMember> next;
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (i == committer) {
        next.push_back({members_[i].name, *result.next});
        continue;
      }
      auto processed = members_[i].group.process(result.commit);
      ASSERT_TRUE(processed) << members_[i].name << ": " << processed.error().what();
      if (processed->removed_self) {
        EXPECT_EQ(processed->next, nullptr);
        removed_.push_back(std::move(members_[i]));
        if (removed_.size() > 4) removed_.erase(removed_.begin());
        continue;
      }
      ASSERT_NE(processed->next, nullptr);
      next.push_back({members_[i].name, *processed->next});
    }
    if (!joiners.empty()) {
      ASSERT_TRUE(result.welcome);
      for (const auto& [name, kp] : joiners) {
        auto joined = Group::join(std::get<Welcome>(result.welcome->value), kp, config_);
        ASSERT_TRUE(joined) << name << ": " << joined.error().what();
        next.push_back({name, std::move(*joined)});
      }
    }
    members_ = std::move(next);
  }

  std::pair<std::string, KeyPackageBundle> new_key_package() {
    std::string name = fresh_name();
    auto kp = create_key_package(*suite_, signer(name));
    EXPECT_TRUE(kp);
    return {name, std::move(*kp)};
  }

  void step_add_batch() {
    const std::size_t committer = pick(members_.size());
    const std::size_t count = 1 + pick(3);
    std::vector<std::pair<std::string, KeyPackageBundle>> joiners;
    CommitOptions options;
    options.force_path = pick(2) == 0;
    for (std::size_t i = 0; i < count; ++i) {
      joiners.push_back(new_key_package());
      options.by_value.push_back(Proposal{Add{joiners.back().second.key_package}});
    }
    auto result = members_[committer].group.commit(options);
    ASSERT_TRUE(result) << result.error().what();
    apply_commit(committer, std::move(*result), std::move(joiners));
  }

  void step_remove() {
    const std::size_t committer = pick(members_.size());
    std::size_t victim = pick(members_.size() - 1);
    if (victim >= committer) ++victim;
    CommitOptions options;
    options.by_value.push_back(Proposal{Remove{members_[victim].group.own_leaf().value}});
    auto result = members_[committer].group.commit(options);
    ASSERT_TRUE(result) << result.error().what();
    apply_commit(committer, std::move(*result), {});
  }

  void step_plain_commit(bool force_path) {
    const std::size_t committer = pick(members_.size());
    CommitOptions options;
    options.force_path = force_path;
    auto result = members_[committer].group.commit(options);
    ASSERT_TRUE(result) << result.error().what();
    // An empty Commit always carries a path.
    const auto& pm = std::get<PublicMessage>(result->commit.value);
    EXPECT_TRUE(std::get<Commit>(pm.content.content).path.has_value());
    apply_commit(committer, std::move(*result), {});
  }

  // step_by_reference: one member proposes (Add or Remove), everyone caches
  // it, another member commits it by reference.
  void step_by_reference() {
    const std::size_t proposer = pick(members_.size());
    std::vector<std::pair<std::string, KeyPackageBundle>> joiners;
    Proposal proposal;
    std::size_t excluded = proposer;  // the committer may not remove itself
    if (members_.size() < kMaxMembers && (members_.size() < 3 || pick(2) == 0)) {
      joiners.push_back(new_key_package());
      proposal = Proposal{Add{joiners.back().second.key_package}};
    } else {
      std::size_t victim = pick(members_.size() - 1);
      if (victim >= proposer) ++victim;
      excluded = victim;
      proposal = Proposal{Remove{members_[victim].group.own_leaf().value}};
    }
    auto message = members_[proposer].group.propose(proposal);
    ASSERT_TRUE(message) << message.error().what();
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (i == proposer) continue;
      auto processed = members_[i].group.process(*message);
      ASSERT_TRUE(processed) << processed.error().what();
      ASSERT_TRUE(processed->proposal);
    }
    std::size_t committer = pick(members_.size());
    if (committer == excluded) committer = (committer + 1) % members_.size();
    if (std::holds_alternative<Remove>(proposal.value) && committer == excluded) return;
    EXPECT_EQ(members_[committer].group.pending_proposals(), 1u);
    auto result = members_[committer].group.commit();
    ASSERT_TRUE(result) << result.error().what();
    const auto& pm = std::get<PublicMessage>(result->commit.value);
    const Commit& commit = std::get<Commit>(pm.content.content);
    ASSERT_EQ(commit.proposals.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<ProposalRef>(commit.proposals[0].value));
    apply_commit(committer, std::move(*result), std::move(joiners));
  }

  void step_external_join() {
    const std::size_t giver = pick(members_.size());
    auto info = members_[giver].group.group_info(/*inline_tree=*/true, /*external_pub=*/true);
    ASSERT_TRUE(info) << info.error().what();
    const std::string name = fresh_name();
    auto joined = Group::join_external(*info, signer(name), config_);
    ASSERT_TRUE(joined) << joined.error().what();
    std::vector<SimMember> next;
    for (auto& m : members_) {
      auto processed = m.group.process(joined->commit);
      ASSERT_TRUE(processed) << m.name << ": " << processed.error().what();
      next.push_back({m.name, *processed->next});
    }
    next.push_back({name, std::move(joined->group)});
    members_ = std::move(next);
  }

  // send_messages has a few random members send in the current epoch and
  // delivers everything to everyone else in a random order.
  void send_messages() {
    struct Sent {
      std::size_t sender;
      MLSMessage message;
      Bytes text;
    };
    std::vector<Sent> sent;
    const std::size_t count = 1 + pick(4);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t s = pick(members_.size());
      Bytes text =
          to_bytes("msg " + std::to_string(message_counter_++) + " from " + members_[s].name);
      auto message = members_[s].group.protect(text);
      ASSERT_TRUE(message) << message.error().what();
      sent.push_back({s, std::move(*message), std::move(text)});
    }
    std::vector<std::pair<std::size_t, std::size_t>> deliveries;  // (message, recipient)
    for (std::size_t m = 0; m < sent.size(); ++m) {
      for (std::size_t r = 0; r < members_.size(); ++r) {
        if (r != sent[m].sender) deliveries.emplace_back(m, r);
      }
    }
    std::shuffle(deliveries.begin(), deliveries.end(), rng_);
    for (const auto& [m, r] : deliveries) {
      auto received = members_[r].group.process(sent[m].message);
      ASSERT_TRUE(received) << members_[r].name << ": " << received.error().what();
      EXPECT_EQ(received->application_data, sent[m].text);
      EXPECT_EQ(received->sender.index, members_[sent[m].sender].group.own_leaf().value);
    }
  }

  // queue_late_messages: messages sent now, delivered after the next step.
  void queue_late_messages() {
    late_.clear();
    const std::size_t count = pick(3);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t s = pick(members_.size());
      Bytes text = to_bytes("late " + std::to_string(message_counter_++));
      auto message = members_[s].group.protect(text);
      ASSERT_TRUE(message) << message.error().what();
      LateMessage late{members_[s].name, std::move(*message), std::move(text), {}};
      for (const auto& m : members_) {
        if (m.name != late.sender) late.recipients.push_back(m.name);
      }
      late_.push_back(std::move(late));
    }
  }

  void deliver_late_messages() {
    std::vector<std::pair<std::size_t, std::string>> deliveries;
    for (std::size_t i = 0; i < late_.size(); ++i) {
      for (const auto& r : late_[i].recipients) deliveries.emplace_back(i, r);
    }
    std::shuffle(deliveries.begin(), deliveries.end(), rng_);
    for (const auto& [i, name] : deliveries) {
      SimMember* m = find(name);
      if (m == nullptr) continue;  // removed in between
      auto received = m->group.process(late_[i].message);
      ASSERT_TRUE(received) << name << " late: " << received.error().what();
      EXPECT_EQ(received->application_data, late_[i].text);
      ++late_delivered_;
    }
    late_.clear();
  }

  void expect_agreement() {
    const Group& first = members_[0].group;
    for (const auto& m : members_) {
      EXPECT_EQ(m.group.epoch(), first.epoch()) << m.name;
      EXPECT_TRUE(equal(m.group.epoch_authenticator(), first.epoch_authenticator())) << m.name;
      EXPECT_EQ(m.group.tree().root_tree_hash(), first.tree().root_tree_hash()) << m.name;
      EXPECT_EQ(m.group.members().size(), members_.size()) << m.name;
    }
  }

  // expect_removed_locked_out: earlier-removed members cannot read a message
  // of the current epoch.
  void expect_removed_locked_out() {
    if (removed_.empty()) return;
    auto message = members_[pick(members_.size())].group.protect(as_bytes("secret"));
    ASSERT_TRUE(message);
    for (auto& r : removed_) {
      EXPECT_FALSE(r.group.process(*message)) << r.name << " read a message after removal";
      ++lockouts_checked_;
    }
  }

  std::unique_ptr<CipherSuite> suite_;
  std::mt19937 rng_;
  BasicCredentialValidator validator_;
  GroupConfig config_;
  std::vector<SimMember> members_;
  std::vector<SimMember> removed_;
  std::vector<LateMessage> late_;
  int next_name_ = 0;
  int message_counter_ = 0;
  int late_delivered_ = 0;
  int lockouts_checked_ = 0;
};

TEST_P(Simulation, RandomSteps) {
  const std::string creator = fresh_name();
  auto created = Group::create(*suite_, crypto::random_bytes(16), signer(creator), {}, config_);
  ASSERT_TRUE(created) << created.error().what();
  members_.push_back({creator, std::move(*created)});
  int counts[6] = {};
  for (int step = 0; step < kSteps; ++step) {
    SCOPED_TRACE("step " + std::to_string(step) + " epoch " +
                 std::to_string(members_[0].group.epoch()));
    queue_late_messages();
    if (HasFatalFailure()) return;
    std::size_t op = pick(6);
    if (members_.size() < 2 && (op == 1 || op == 4)) op = 0;
    if (members_.size() >= kMaxMembers && (op == 0 || op == 5)) op = 1;
    ++counts[op];
    switch (op) {
      case 0:
        step_add_batch();
        break;
      case 1:
        step_remove();
        break;
      case 2:
        step_plain_commit(false);
        break;
      case 3:
        step_plain_commit(true);
        break;
      case 4:
        step_by_reference();
        break;
      default:
        step_external_join();
        break;
    }
    if (HasFatalFailure()) return;
    deliver_late_messages();
    if (HasFatalFailure()) return;
    expect_agreement();
    send_messages();
    if (HasFatalFailure()) return;
    expect_removed_locked_out();
    if (HasFatalFailure()) return;
  }
  // The run exercised every kind of step and both message paths.
  for (int c : counts) EXPECT_GT(c, 0);
  EXPECT_GT(late_delivered_, 0);
  EXPECT_GT(lockouts_checked_, 0);
  EXPECT_EQ(members_[0].group.epoch(), static_cast<std::uint64_t>(kSteps));
}

INSTANTIATE_TEST_SUITE_P(Seeds, Simulation,
                         ::testing::Values(SimParam{1, 1}, SimParam{1, 2}, SimParam{1, 3},
                                           SimParam{2, 1}, SimParam{2, 2}, SimParam{2, 3}),
                         [](const auto& info) {
                           return "suite" + std::to_string(info.param.suite) + "_seed" +
                                  std::to_string(info.param.seed);
                         });

}  // namespace
}  // namespace ztm::mls
