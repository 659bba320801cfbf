// Reinitialization (§11.2), subgroup branching (§11.3), external senders
// (§12.1.8), self-adds by new members, own Updates committed by others and
// external joins with PSKs.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ztm/crypto/random.h"
#include "ztm/mls/extensions.h"
#include "ztm/mls/external_sender.h"
#include "ztm/mls/group.h"

namespace ztm::mls {
namespace {

class ResumptionTest : public ::testing::TestWithParam<std::uint16_t> {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<CipherSuite>(CipherSuite::create(GetParam()).value());
    config_.validator = &validator_;
    config_.psks = &psks_;
  }

  MemberSigner signer(const CipherSuite& suite, const std::string& name) {
    return {crypto::SignaturePrivateKey::generate(suite.signature_scheme()).value(),
            Credential::basic(to_bytes(name))};
  }
  KeyPackageBundle key_package(const CipherSuite& suite, const std::string& name) {
    return create_key_package(suite, signer(suite, name)).value();
  }

  // three_members builds alice, bob and carol at epoch 1.
  std::vector<Group> three_members() {
    Group alice =
        Group::create(*suite_, crypto::random_bytes(16), signer(*suite_, "alice"), {}, config_)
            .value();
    auto bob = key_package(*suite_, "bob");
    auto carol = key_package(*suite_, "carol");
    CommitOptions options;
    options.by_value = {Proposal{Add{bob.key_package}}, Proposal{Add{carol.key_package}}};
    auto result = alice.commit(options);
    EXPECT_TRUE(result) << result.error().what();
    const auto& welcome = std::get<Welcome>(result->welcome->value);
    std::vector<Group> out{*result->next};
    out.push_back(Group::join(welcome, bob, config_).value());
    out.push_back(Group::join(welcome, carol, config_).value());
    return out;
  }

  // commit_everywhere has members[by] commit and every other member process it.
  void commit_everywhere(std::vector<Group>& members, std::size_t by,
                         const CommitOptions& options = {}) {
    auto result = members[by].commit(options);
    ASSERT_TRUE(result) << result.error().what();
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i == by) continue;
      auto processed = members[i].process(result->commit);
      ASSERT_TRUE(processed) << i << ": " << processed.error().what();
      ASSERT_TRUE(processed->next);
      members[i] = *processed->next;
    }
    members[by] = *result->next;
    expect_agree(members);
  }

  static void expect_agree(const std::vector<Group>& groups) {
    for (const Group& g : groups) {
      EXPECT_EQ(g.epoch(), groups[0].epoch());
      EXPECT_TRUE(equal(g.epoch_authenticator(), groups[0].epoch_authenticator()));
    }
  }

  std::unique_ptr<CipherSuite> suite_;
  BasicCredentialValidator validator_;
  PskStore psks_;
  GroupConfig config_;
};

TEST_P(ResumptionTest, ReInitToAnotherSuiteAndGroupId) {
  auto members = three_members();
  // Move to a different suite (1 <-> 3 share nothing but the idea).
  const std::uint16_t new_suite_id = GetParam() == 1 ? 3 : 1;
  const CipherSuite new_suite = CipherSuite::create(new_suite_id).value();
  ReInit reinit{to_bytes("reinitialized"), ProtocolVersion::mls10, new_suite_id, {}};
  auto proposal = members[0].propose(Proposal{reinit});
  ASSERT_TRUE(proposal) << proposal.error().what();
  ASSERT_TRUE(members[1].process(*proposal));
  ASSERT_TRUE(members[2].process(*proposal));
  // Bob commits the ReInit; everybody's old group is then finished.
  commit_everywhere(members, 1);
  for (Group& g : members) {
    ASSERT_TRUE(g.pending_reinit());
    EXPECT_EQ(*g.pending_reinit(), reinit);
    EXPECT_FALSE(g.protect(as_bytes("too late")));
    EXPECT_FALSE(g.commit());
  }
  // Carol creates the new group from new KeyPackages of everybody else.
  std::vector<KeyPackageBundle> kps{key_package(new_suite, "alice"), key_package(new_suite, "bob")};
  auto prior = members[2].reinit_prior();
  ASSERT_TRUE(prior) << prior.error().what();
  EXPECT_EQ(prior->epoch, members[2].epoch());
  ResumedGroupOptions options;
  options.key_packages = {kps[0].key_package, kps[1].key_package};
  options.force_path = true;
  auto resumed = Group::create_resumed(*prior, signer(new_suite, "carol"), config_, options);
  ASSERT_TRUE(resumed) << resumed.error().what();
  EXPECT_EQ(resumed->group.epoch(), 1u);
  EXPECT_EQ(resumed->group.suite().id(), new_suite_id);
  EXPECT_EQ(resumed->group.group_id(), reinit.group_id);
  const auto& welcome = std::get<Welcome>(resumed->welcome.value);
  for (std::size_t i = 0; i < 2; ++i) {
    auto link = members[i].reinit_prior().value();
    // Without the old group the Welcome's PSK is unknown.
    EXPECT_FALSE(Group::join(welcome, kps[i], config_));
    JoinOptions join_options;
    join_options.prior = &link;
    auto joined = Group::join(welcome, kps[i], config_, join_options);
    ASSERT_TRUE(joined) << joined.error().what();
    EXPECT_TRUE(equal(joined->epoch_authenticator(), resumed->group.epoch_authenticator()));
    // A branch link to the same group is not the reinit link.
    auto branch_link = members[i].branch_prior();
    join_options.prior = &branch_link;
    EXPECT_FALSE(Group::join(welcome, kps[i], config_, join_options));
  }
}

TEST_P(ResumptionTest, ReInitMustKeepEveryMember) {
  auto members = three_members();
  ReInit reinit{to_bytes("again"), ProtocolVersion::mls10, GetParam(), {}};
  commit_everywhere(members, 0, CommitOptions{{Proposal{reinit}}, false, true, true, {}});
  auto prior = members[0].reinit_prior().value();
  ResumedGroupOptions options;
  options.key_packages = {key_package(*suite_, "bob").key_package};  // carol left out
  auto resumed = Group::create_resumed(prior, signer(*suite_, "alice"), config_, options);
  ASSERT_FALSE(resumed);
  EXPECT_NE(resumed.error().message.find("reinit.member_missing"), std::string::npos);
}

TEST_P(ResumptionTest, BranchToASubgroup) {
  auto members = three_members();
  auto bob_kp = key_package(*suite_, "bob");
  ResumedGroupOptions options;
  options.group_id = to_bytes("side room");
  options.key_packages = {bob_kp.key_package};
  options.inline_tree = false;
  auto branch =
      Group::create_resumed(members[0].branch_prior(), signer(*suite_, "alice"), config_, options);
  ASSERT_TRUE(branch) << branch.error().what();
  EXPECT_EQ(branch->group.members().size(), 2u);
  const auto& welcome = std::get<Welcome>(branch->welcome.value);
  auto link = members[1].branch_prior();
  JoinOptions join_options;
  join_options.prior = &link;
  join_options.tree = branch->group.tree();
  auto bob = Group::join(welcome, bob_kp, config_, join_options);
  ASSERT_TRUE(bob) << bob.error().what();
  EXPECT_TRUE(equal(bob->epoch_authenticator(), branch->group.epoch_authenticator()));
  // The old group goes on.
  commit_everywhere(members, 2);

  // A stranger cannot be branched in.
  options.key_packages = {key_package(*suite_, "mallory").key_package};
  auto bad =
      Group::create_resumed(members[0].branch_prior(), signer(*suite_, "alice"), config_, options);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("branch.foreign_member"), std::string::npos);
}

TEST_P(ResumptionTest, ReInitOrBranchPskRefusedInARegularCommit) {
  auto members = three_members();
  PreSharedKeyID id;
  id.psktype = PSKType::resumption;
  id.usage = ResumptionPSKUsage::branch;
  id.psk_group_id = members[0].group_id();
  id.psk_epoch = members[0].epoch();
  id.psk_nonce = crypto::random_bytes(suite_->hash_size());
  auto result =
      members[0].commit(CommitOptions{{Proposal{PreSharedKey{id}}}, false, true, true, {}});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("proposal.psk_usage"), std::string::npos);
}

TEST_P(ResumptionTest, ExternalSenderProposesRemoveAndAdd) {
  auto members = three_members();
  auto ds = ExternalSigner::generate(*suite_, Credential::basic(to_bytes("meeting service")));
  ASSERT_TRUE(ds) << ds.error().what();
  // Before it is listed, the signer cannot propose.
  EXPECT_FALSE(ds->propose_remove(members[0].context(), LeafIndex{2}));

  ExternalSendersExtension senders;
  senders.senders.push_back(ds->external_sender());
  ExtensionList extensions = members[0].context().extensions;
  extensions.put(senders);
  commit_everywhere(
      members, 0,
      CommitOptions{{Proposal{GroupContextExtensions{extensions}}}, false, true, true, {}});
  EXPECT_EQ(ds->sender_index(members[0].context()).value(), 0u);

  // The service learns the group from a GroupInfo it can verify.
  auto info = members[1].group_info(true, false).value();
  auto tree = RatchetTree::decode(*suite_,
                                  info.extensions.find(ExtensionType::ratchet_tree)->extension_data)
                  .value();
  ASSERT_TRUE(verify_group_info(info, tree));
  auto carol_leaf = find_leaf_by_credential(tree, Credential::basic(to_bytes("carol")));
  ASSERT_TRUE(carol_leaf);
  auto remove = ds->propose_remove(info.group_context, *carol_leaf);
  ASSERT_TRUE(remove) << remove.error().what();
  EXPECT_TRUE(std::holds_alternative<PublicMessage>(remove->value));
  // An Update may not come from an external sender.
  EXPECT_FALSE(ds->propose(info.group_context, Proposal{Update{}}));

  for (std::size_t i = 0; i < 3; ++i) {
    auto processed = members[i].process(*remove);
    ASSERT_TRUE(processed) << processed.error().what();
    EXPECT_EQ(processed->sender, Sender::external(0));
  }
  auto result = members[0].commit();
  ASSERT_TRUE(result) << result.error().what();
  auto at_bob = members[1].process(result->commit);
  ASSERT_TRUE(at_bob) << at_bob.error().what();
  auto at_carol = members[2].process(result->commit);
  ASSERT_TRUE(at_carol) << at_carol.error().what();
  EXPECT_TRUE(at_carol->removed_self);
  std::vector<Group> left{*result->next, *at_bob->next};
  expect_agree(left);
  EXPECT_EQ(left[0].members().size(), 2u);

  // A tampered signature is refused.
  auto forged = ds->propose_remove(left[0].context(), LeafIndex{1}).value();
  std::get<PublicMessage>(forged.value).auth.signature[0] ^= 1;
  EXPECT_FALSE(left[0].process(forged));
}

TEST_P(ResumptionTest, NewMemberAddsItself) {
  auto members = three_members();
  auto dave = key_package(*suite_, "dave");
  auto proposal = propose_new_member_add(members[0].context(), dave);
  ASSERT_TRUE(proposal) << proposal.error().what();
  for (Group& g : members) ASSERT_TRUE(g.process(*proposal));
  auto result = members[0].commit();
  ASSERT_TRUE(result) << result.error().what();
  ASSERT_TRUE(result->welcome);
  auto joined = Group::join(std::get<Welcome>(result->welcome->value), dave, config_);
  ASSERT_TRUE(joined) << joined.error().what();
  EXPECT_TRUE(equal(joined->epoch_authenticator(), result->next->epoch_authenticator()));
}

TEST_P(ResumptionTest, OwnUpdateCommittedByAnother) {
  auto members = three_members();
  auto update = members[1].propose_update();
  ASSERT_TRUE(update) << update.error().what();
  EXPECT_TRUE(members[1].is_own_proposal(*update));
  EXPECT_FALSE(members[0].is_own_proposal(*update));
  ASSERT_TRUE(members[0].process(*update));
  ASSERT_TRUE(members[2].process(*update));
  auto result = members[0].commit();
  ASSERT_TRUE(result) << result.error().what();
  for (std::size_t i = 1; i < 3; ++i) {
    auto processed = members[i].process(result->commit);
    ASSERT_TRUE(processed) << i << ": " << processed.error().what();
    members[i] = *processed->next;
  }
  members[0] = *result->next;
  expect_agree(members);
  // Bob's new leaf key works: a Commit from Carol encrypts to it.
  commit_everywhere(members, 2, CommitOptions{{}, true, true, true, {}});
}

TEST_P(ResumptionTest, ExternalJoinWithPsk) {
  auto members = three_members();
  psks_.add_external(as_bytes("psk-1"), SecretBytes(crypto::random_bytes(32)));
  auto info = members[0].group_info(true, true).value();
  ExternalJoinOptions options;
  options.external_psk_ids = {to_bytes("psk-1")};
  auto joined = Group::join_external(info, signer(*suite_, "erin"), config_, options);
  ASSERT_TRUE(joined) << joined.error().what();
  for (Group& g : members) {
    auto processed = g.process(joined->commit);
    ASSERT_TRUE(processed) << processed.error().what();
    g = *processed->next;
  }
  members.push_back(joined->group);
  expect_agree(members);

  // A member without the PSK cannot follow.
  PskStore empty;
  GroupConfig no_psk = config_;
  no_psk.psks = &empty;
  options.external_psk_ids = {to_bytes("unknown")};
  EXPECT_FALSE(Group::join_external(members[0].group_info(true, true).value(),
                                    signer(*suite_, "frank"), no_psk, options));
}

INSTANTIATE_TEST_SUITE_P(Suites, ResumptionTest, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace ztm::mls
