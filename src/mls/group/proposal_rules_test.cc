// Proposal-list rules (RFC 9420 §12.1, §12.2): one test per rule that breaks
// it and checks the rule name at the start of the typed error. Where the Group
// API refuses to build such a Commit at all (the committer checks the same
// rules), the list goes straight to apply_proposal_list / path_required_for.
// Also: a Commit a receiver rejects leaves its Group exactly as it was.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"
#include "ztm/mls/proposal_list.h"

namespace ztm::mls {
namespace {

// failed_with checks that result failed with an error naming rule first.
template <class T>
::testing::AssertionResult failed_with(const Result<T>& result, std::string_view rule) {
  if (result) return ::testing::AssertionFailure() << "succeeded; expected " << rule;
  const std::string& message = result.error().message;
  if (message.rfind(rule, 0) != 0) {
    return ::testing::AssertionFailure() << "error \"" << message << "\"; expected " << rule;
  }
  return ::testing::AssertionSuccess();
}

// RejectingValidator refuses one credential identity and accepts the rest.
class RejectingValidator final : public CredentialValidator {
 public:
  explicit RejectingValidator(std::string refused) : refused_(std::move(refused)) {}
  Result<void> validate(const Credential& credential, ByteView signature_key) const override {
    const auto* basic = std::get_if<BasicCredential>(&credential.value);
    if (basic != nullptr && basic->identity == to_bytes(refused_)) {
      return fail(Errc::authentication_failed, "test: credential refused");
    }
    return basic_.validate(credential, signature_key);
  }

 private:
  std::string refused_;
  BasicCredentialValidator basic_;
};

class ProposalRulesTest : public ::testing::TestWithParam<std::uint16_t> {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<CipherSuite>(CipherSuite::create(GetParam()).value());
    config_.validator = &validator_;
    config_.psks = &psks_;
    // alice (leaf 0), bob (leaf 1), carol (leaf 2).
    alice_ = std::make_unique<Group>(
        Group::create(*suite_, crypto::random_bytes(16), signer("alice"), {}, config_).value());
    bob_signer_ = std::make_unique<MemberSigner>(signer("bob"));
    auto bob_kp = create_key_package(*suite_, *bob_signer_).value();
    auto carol_kp = create_key_package(*suite_, signer("carol")).value();
    CommitOptions options;
    options.by_value = {Proposal{Add{bob_kp.key_package}}, Proposal{Add{carol_kp.key_package}}};
    auto result = alice_->commit(options).value();
    *alice_ = *result.next;
    const Welcome& welcome = std::get<Welcome>(result.welcome->value);
    bob_ = std::make_unique<Group>(Group::join(welcome, bob_kp, config_).value());
    carol_ = std::make_unique<Group>(Group::join(welcome, carol_kp, config_).value());
  }

  MemberSigner signer(const std::string& name) {
    return {crypto::SignaturePrivateKey::generate(suite_->signature_scheme()).value(),
            Credential::basic(to_bytes(name))};
  }

  KeyPackageBundle key_package(const std::string& name) {
    return create_key_package(*suite_, signer(name)).value();
  }

  Result<CommitResult> commit(Group& g, std::vector<Proposal> proposals) {
    CommitOptions options;
    options.by_value = std::move(proposals);
    return g.commit(options);
  }

  // apply runs the list against alice's current epoch with `committer`.
  Result<AppliedProposals> apply(const std::vector<CommittedProposal>& list, Sender committer) {
    ProposalListInput input;
    input.context = &alice_->context();
    input.tree = &alice_->tree();
    input.committer = committer;
    input.validator = &validator_;
    return apply_proposal_list(*suite_, list, input);
  }

  PreSharedKeyID external_psk(std::size_t nonce_size) {
    const Bytes id = to_bytes("psk-1");
    if (!have_psk_) psks_.add_external(id, crypto::random_secret(suite_->hash_size()));
    have_psk_ = true;
    PreSharedKeyID psk;
    psk.psktype = PSKType::external;
    psk.psk_id = id;
    psk.psk_nonce = crypto::random_bytes(nonce_size);
    return psk;
  }

  std::unique_ptr<CipherSuite> suite_;
  BasicCredentialValidator validator_;
  PskStore psks_;
  bool have_psk_ = false;
  GroupConfig config_;
  std::unique_ptr<MemberSigner> bob_signer_;
  std::unique_ptr<Group> alice_, bob_, carol_;
};

TEST_P(ProposalRulesTest, UpdateByCommitter) {
  const LeafNode own = *alice_->tree().leaf(alice_->own_leaf());
  EXPECT_TRUE(
      failed_with(commit(*alice_, {Proposal{Update{own}}}), "proposal_list.update_by_committer"));
  // The same through the list rules, with the Update sent by reference.
  EXPECT_TRUE(
      failed_with(apply({{Proposal{Update{own}}, Sender::member(0), Bytes{1}}}, Sender::member(0)),
                  "proposal_list.update_by_committer"));
}

TEST_P(ProposalRulesTest, RemoveCommitter) {
  EXPECT_TRUE(
      failed_with(commit(*alice_, {Proposal{Remove{0}}}), "proposal_list.remove_committer"));
}

TEST_P(ProposalRulesTest, DuplicateLeafChangeTwoRemoves) {
  EXPECT_TRUE(failed_with(commit(*alice_, {Proposal{Remove{1}}, Proposal{Remove{1}}}),
                          "proposal_list.duplicate_leaf_change"));
}

TEST_P(ProposalRulesTest, DuplicateLeafChangeUpdateAndRemove) {
  const LeafNode bob_leaf = *bob_->tree().leaf(bob_->own_leaf());
  std::vector<CommittedProposal> list = {
      {Proposal{Update{bob_leaf}}, Sender::member(1), Bytes{1}},
      {Proposal{Remove{1}}, Sender::member(2), Bytes{2}},
  };
  EXPECT_TRUE(failed_with(apply(list, Sender::member(0)), "proposal_list.duplicate_leaf_change"));
}

TEST_P(ProposalRulesTest, DuplicateAddOfOneKeyPackage) {
  const KeyPackageBundle dave = key_package("dave");
  EXPECT_TRUE(failed_with(
      commit(*alice_, {Proposal{Add{dave.key_package}}, Proposal{Add{dave.key_package}}}),
      "proposal_list.duplicate_add"));
  // One Add of it is fine.
  EXPECT_TRUE(commit(*alice_, {Proposal{Add{dave.key_package}}}));
}

TEST_P(ProposalRulesTest, AddOfExistingMember) {
  // A fresh KeyPackage with Bob's signature key: Bob is still in the group.
  const auto again = create_key_package(*suite_, *bob_signer_).value();
  EXPECT_TRUE(failed_with(commit(*alice_, {Proposal{Add{again.key_package}}}),
                          "proposal_list.duplicate_add"));
  // Removing Bob in the same Commit makes the re-Add legal (Removes apply
  // first).
  EXPECT_TRUE(commit(*alice_, {Proposal{Remove{1}}, Proposal{Add{again.key_package}}}));
}

TEST_P(ProposalRulesTest, DuplicatePsk) {
  const PreSharedKeyID psk = external_psk(suite_->hash_size());
  EXPECT_TRUE(
      failed_with(commit(*alice_, {Proposal{PreSharedKey{psk}}, Proposal{PreSharedKey{psk}}}),
                  "proposal_list.duplicate_psk"));
  EXPECT_TRUE(commit(*alice_, {Proposal{PreSharedKey{psk}}}));
}

TEST_P(ProposalRulesTest, PskNonceLength) {
  EXPECT_TRUE(failed_with(commit(*alice_, {Proposal{PreSharedKey{external_psk(5)}}}),
                          "proposal.psk_nonce_length"));
  EXPECT_TRUE(
      failed_with(commit(*alice_, {Proposal{PreSharedKey{external_psk(suite_->hash_size() + 1)}}}),
                  "proposal.psk_nonce_length"));
}

TEST_P(ProposalRulesTest, MultipleGroupContextExtensions) {
  EXPECT_TRUE(failed_with(
      commit(*alice_, {Proposal{GroupContextExtensions{}}, Proposal{GroupContextExtensions{}}}),
      "proposal_list.multiple_group_context_extensions"));
  EXPECT_TRUE(commit(*alice_, {Proposal{GroupContextExtensions{}}}));
}

TEST_P(ProposalRulesTest, ReInitNotAlone) {
  ReInit reinit;
  reinit.group_id = crypto::random_bytes(16);
  reinit.version = alice_->context().version;
  reinit.cipher_suite = alice_->context().cipher_suite;
  EXPECT_TRUE(failed_with(commit(*alice_, {Proposal{reinit}, Proposal{Remove{2}}}),
                          "proposal_list.reinit_not_alone"));
  EXPECT_TRUE(apply({{Proposal{reinit}, Sender::member(0), std::nullopt}}, Sender::member(0)));
}

TEST_P(ProposalRulesTest, ExternalInitInRegularCommit) {
  const Proposal init{ExternalInit{crypto::random_bytes(32)}};
  // A member may not even send ExternalInit (§12.1.8) ...
  EXPECT_TRUE(failed_with(commit(*alice_, {init}), "proposal.sender_not_allowed"));
  // ... and a regular Commit may not carry one at all (§12.2).
  EXPECT_TRUE(
      failed_with(apply({{init, Sender::new_member_commit(), std::nullopt}}, Sender::member(0)),
                  "proposal_list.external_init"));
}

TEST_P(ProposalRulesTest, RemoveOfBlankLeaf) {
  auto removed = commit(*alice_, {Proposal{Remove{1}}});
  ASSERT_TRUE(removed) << removed.error().what();
  Group next = *removed->next;
  ASSERT_EQ(next.tree().leaf(LeafIndex{1}), nullptr);
  EXPECT_TRUE(failed_with(commit(next, {Proposal{Remove{1}}}), "proposal.remove_blank_leaf"));
  // A leaf beyond the tree is blank too.
  EXPECT_TRUE(failed_with(commit(next, {Proposal{Remove{1000}}}), "proposal.remove_blank_leaf"));
}

TEST_P(ProposalRulesTest, PathRequired) {
  const auto one = [](Proposal p) {
    return std::vector<CommittedProposal>{{std::move(p), Sender::member(1), std::nullopt}};
  };
  const LeafNode bob_leaf = *bob_->tree().leaf(bob_->own_leaf());
  EXPECT_TRUE(path_required_for({}));
  EXPECT_TRUE(path_required_for(one(Proposal{Remove{2}})));
  EXPECT_TRUE(path_required_for(one(Proposal{Update{bob_leaf}})));
  EXPECT_TRUE(path_required_for(one(Proposal{GroupContextExtensions{}})));
  EXPECT_TRUE(path_required_for(one(Proposal{ExternalInit{Bytes{1, 2}}})));
  EXPECT_FALSE(path_required_for(one(Proposal{Add{key_package("dave").key_package}})));
  EXPECT_FALSE(path_required_for(one(Proposal{PreSharedKey{external_psk(suite_->hash_size())}})));
  // An Add plus a Remove needs a path; apply_proposal_list reports it.
  std::vector<CommittedProposal> list = one(Proposal{Add{key_package("dave").key_package}});
  auto add_only = apply(list, Sender::member(0));
  ASSERT_TRUE(add_only) << add_only.error().what();
  EXPECT_FALSE(add_only->path_required);
  list.push_back({Proposal{Remove{2}}, Sender::member(0), std::nullopt});
  auto with_remove = apply(list, Sender::member(0));
  ASSERT_TRUE(with_remove) << with_remove.error().what();
  EXPECT_TRUE(with_remove->path_required);
  // The committer never omits the path when it is required: a Remove commit
  // carries one even without force_path.
  auto result = commit(*alice_, {Proposal{Remove{2}}});
  ASSERT_TRUE(result) << result.error().what();
  const auto& content = std::get<PublicMessage>(result->commit.value).content;
  EXPECT_TRUE(std::get<Commit>(content.content).path.has_value());
}

TEST_P(ProposalRulesTest, ExternalCommitRules) {
  const Sender joiner = Sender::new_member_commit();
  const Proposal init{ExternalInit{crypto::random_bytes(32)}};
  const auto by_joiner = [&](std::vector<Proposal> ps) {
    std::vector<CommittedProposal> list;
    for (auto& p : ps) list.push_back({std::move(p), joiner, std::nullopt});
    return list;
  };
  EXPECT_TRUE(apply(by_joiner({init, Proposal{Remove{1}}}), joiner));
  EXPECT_TRUE(failed_with(apply(by_joiner({Proposal{Remove{1}}}), joiner),
                          "external_commit.external_init_count"));
  EXPECT_TRUE(
      failed_with(apply(by_joiner({init, init}), joiner), "external_commit.external_init_count"));
  EXPECT_TRUE(
      failed_with(apply(by_joiner({init, Proposal{Remove{1}}, Proposal{Remove{2}}}), joiner),
                  "external_commit.multiple_removes"));
  EXPECT_TRUE(
      failed_with(apply(by_joiner({init, Proposal{Add{key_package("dave").key_package}}}), joiner),
                  "external_commit.disallowed_proposal"));
  EXPECT_TRUE(failed_with(apply(by_joiner({init, Proposal{GroupContextExtensions{}}}), joiner),
                          "external_commit.disallowed_proposal"));
}

// Snapshot is everything observable about one member's epoch.
struct Snapshot {
  std::uint64_t epoch;
  Bytes tree;
  Bytes authenticator;
  Bytes exported;
  std::size_t pending;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const Group& g) {
  const SecretBytes exported = g.exporter("snapshot", as_bytes("ctx"), 32).value();
  return {g.epoch(), g.tree().encode(), to_bytes(g.epoch_authenticator()),
          to_bytes(exported.expose()), g.pending_proposals()};
}

TEST_P(ProposalRulesTest, RejectedCommitLeavesReceiverUnchanged) {
  // Bob proposes an Add that only Alice receives; Alice commits it by
  // reference, so Carol cannot resolve the reference.
  auto proposal = bob_->propose(Proposal{Add{key_package("dave").key_package}});
  ASSERT_TRUE(proposal) << proposal.error().what();
  ASSERT_TRUE(alice_->process(*proposal));
  auto result = alice_->commit();
  ASSERT_TRUE(result) << result.error().what();
  const Snapshot before = snapshot(*carol_);
  EXPECT_TRUE(failed_with(carol_->process(result->commit), "commit.unknown_proposal_ref"));
  EXPECT_EQ(snapshot(*carol_), before);

  // Every single-bit flip of the Commit is rejected without a trace.
  const Bytes wire = result->commit.encode();
  for (std::size_t i = 0; i < wire.size(); i += 5) {
    Bytes tampered = wire;
    tampered[i] ^= 0x20;
    auto decoded = MLSMessage::decode(tampered);
    if (!decoded) continue;
    EXPECT_FALSE(carol_->process(*decoded)) << "flip at " << i;
  }
  EXPECT_EQ(snapshot(*carol_), before);

  // Once Carol has the proposal, the same Commit applies.
  ASSERT_TRUE(carol_->process(*proposal));
  auto processed = carol_->process(result->commit);
  ASSERT_TRUE(processed) << processed.error().what();
  EXPECT_EQ(snapshot(*processed->next), snapshot(*result->next));
}

TEST_P(ProposalRulesTest, ReceiverSideRuleRejectionLeavesStateUnchanged) {
  // Carol's validator refuses "mallory"; Alice's accepts. Alice's Add commit is
  // rejected at Carol by the Add rule, and Carol's state stays as it was.
  RejectingValidator strict("mallory");
  GroupConfig strict_config = config_;
  strict_config.validator = &strict;
  auto carol_kp = key_package("carol2");
  auto added = commit(*alice_, {Proposal{Add{carol_kp.key_package}}});
  ASSERT_TRUE(added);
  Group strict_carol =
      Group::join(std::get<Welcome>(added->welcome->value), carol_kp, strict_config).value();
  Group alice = *added->next;
  auto result = commit(alice, {Proposal{Add{key_package("mallory").key_package}}});
  ASSERT_TRUE(result) << result.error().what();
  const Snapshot before = snapshot(strict_carol);
  EXPECT_TRUE(
      failed_with(strict_carol.process(result->commit), "proposal.add_invalid_key_package"));
  EXPECT_EQ(snapshot(strict_carol), before);
}

INSTANTIATE_TEST_SUITE_P(Suites, ProposalRulesTest, ::testing::Values(1, 2),
                         [](const auto& info) { return "suite" + std::to_string(info.param); });

}  // namespace
}  // namespace ztm::mls
