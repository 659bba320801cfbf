// Group state end to end: create, add by Welcome, remove, update, external
// join, PSKs, application messages, and rejected commits leaving the state
// untouched.
#include "ztm/mls/group.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ztm/crypto/random.h"

namespace ztm::mls {
namespace {

CommitOptions with_proposals(std::vector<Proposal> proposals) {
  CommitOptions options;
  options.by_value = std::move(proposals);
  return options;
}

class GroupTest : public ::testing::TestWithParam<std::uint16_t> {
 protected:
  void SetUp() override {
    suite_ = std::make_unique<CipherSuite>(CipherSuite::create(GetParam()).value());
    config_.validator = &validator_;
    config_.psks = &psks_;
  }

  MemberSigner signer(const std::string& name) {
    return {crypto::SignaturePrivateKey::generate(suite_->signature_scheme()).value(),
            Credential::basic(to_bytes(name))};
  }

  KeyPackageBundle key_package(const std::string& name) {
    return create_key_package(*suite_, signer(name)).value();
  }

  // add commits Adds for the given joiners from `committer` and has every
  // member in `others` process it; returns the joiners' groups.
  std::vector<Group> add(Group& committer, std::vector<Group*> others,
                         const std::vector<std::string>& names) {
    std::vector<KeyPackageBundle> kps;
    CommitOptions options;
    for (const auto& n : names) {
      kps.push_back(key_package(n));
      options.by_value.push_back(Proposal{Add{kps.back().key_package}});
    }
    auto result = committer.commit(options);
    EXPECT_TRUE(result) << result.error().what();
    for (Group* other : others) {
      auto processed = other->process(result->commit);
      EXPECT_TRUE(processed) << processed.error().what();
      *other = *processed->next;
    }
    committer = *result->next;
    std::vector<Group> joined;
    for (const auto& kp : kps) {
      auto g = Group::join(std::get<Welcome>(result->welcome->value), kp, config_);
      EXPECT_TRUE(g) << g.error().what();
      joined.push_back(std::move(*g));
    }
    return joined;
  }

  Group create(const std::string& name) {
    return Group::create(*suite_, crypto::random_bytes(16), signer(name), {}, config_).value();
  }

  static void expect_agree(const std::vector<const Group*>& groups) {
    for (const Group* g : groups) {
      EXPECT_EQ(g->epoch(), groups[0]->epoch());
      EXPECT_TRUE(equal(g->epoch_authenticator(), groups[0]->epoch_authenticator()));
      EXPECT_EQ(g->tree().root_tree_hash(), groups[0]->tree().root_tree_hash());
    }
  }

  std::unique_ptr<CipherSuite> suite_;
  BasicCredentialValidator validator_;
  PskStore psks_;
  GroupConfig config_;
};

TEST_P(GroupTest, CreateAddAndTalk) {
  Group alice = create("alice");
  EXPECT_EQ(alice.epoch(), 0u);
  auto joined = add(alice, {}, {"bob", "carol"});
  ASSERT_EQ(joined.size(), 2u);
  Group& bob = joined[0];
  Group& carol = joined[1];
  expect_agree({&alice, &bob, &carol});
  EXPECT_EQ(alice.members().size(), 3u);

  auto message = bob.protect(as_bytes("hello from bob"));
  ASSERT_TRUE(message) << message.error().what();
  for (Group* g : {&alice, &carol}) {
    auto received = g->process(*message);
    ASSERT_TRUE(received) << received.error().what();
    EXPECT_EQ(received->application_data, to_bytes("hello from bob"));
    EXPECT_EQ(received->sender.index, bob.own_leaf().value);
  }
  // The same message again is a replay: its key was consumed.
  EXPECT_FALSE(alice.process(*message));
}

TEST_P(GroupTest, RemoveRekeysWithoutTheRemovedMember) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob", "carol"});
  Group bob = joined[0], carol = joined[1];
  auto result = alice.commit(with_proposals({Proposal{Remove{carol.own_leaf().value}}}));
  ASSERT_TRUE(result) << result.error().what();
  EXPECT_FALSE(result->welcome);
  auto at_bob = bob.process(result->commit);
  ASSERT_TRUE(at_bob) << at_bob.error().what();
  auto at_carol = carol.process(result->commit);
  ASSERT_TRUE(at_carol) << at_carol.error().what();
  EXPECT_TRUE(at_carol->removed_self);
  alice = *result->next;
  bob = *at_bob->next;
  expect_agree({&alice, &bob});
  EXPECT_EQ(alice.members().size(), 2u);
  // Carol cannot read what is sent in the new epoch.
  auto secret = alice.protect(as_bytes("after carol left"));
  ASSERT_TRUE(secret);
  EXPECT_FALSE(carol.process(*secret));
  EXPECT_TRUE(bob.process(*secret));
}

TEST_P(GroupTest, ProposalsByReferenceAndEmptyCommit) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob", "carol"});
  Group bob = joined[0], carol = joined[1];
  // Bob proposes removing Carol; Alice commits it by reference.
  auto proposal = bob.propose(Proposal{Remove{carol.own_leaf().value}});
  ASSERT_TRUE(proposal) << proposal.error().what();
  ASSERT_TRUE(alice.process(*proposal));
  EXPECT_EQ(alice.pending_proposals(), 1u);
  auto result = alice.commit();
  ASSERT_TRUE(result) << result.error().what();
  auto at_bob = bob.process(result->commit);
  ASSERT_TRUE(at_bob) << at_bob.error().what();
  alice = *result->next;
  bob = *at_bob->next;
  expect_agree({&alice, &bob});
  // An empty commit (path only) from Bob.
  auto empty = bob.commit();
  ASSERT_TRUE(empty) << empty.error().what();
  auto at_alice = alice.process(empty->commit);
  ASSERT_TRUE(at_alice) << at_alice.error().what();
  alice = *at_alice->next;
  bob = *empty->next;
  expect_agree({&alice, &bob});
}

TEST_P(GroupTest, CommitterCannotCommitOwnUpdate) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob"});
  Group bob = joined[0];
  // The committer's own Update is refused by the proposal-list rules (§12.2).
  auto bad = alice.commit(with_proposals({Proposal{Update{*alice.tree().leaf(alice.own_leaf())}}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("proposal_list.update_by_committer"), std::string::npos)
      << bad.error().what();
}

TEST_P(GroupTest, ExternalJoin) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob"});
  Group bob = joined[0];
  auto info = alice.group_info(/*inline_tree=*/true, /*external_pub=*/true);
  ASSERT_TRUE(info) << info.error().what();
  auto dave = Group::join_external(*info, signer("dave"), config_);
  ASSERT_TRUE(dave) << dave.error().what();
  for (Group* g : {&alice, &bob}) {
    auto processed = g->process(dave->commit);
    ASSERT_TRUE(processed) << processed.error().what();
    *g = *processed->next;
  }
  expect_agree({&alice, &bob, &dave->group});
  EXPECT_EQ(alice.members().size(), 3u);
}

TEST_P(GroupTest, ExternalPskInjected) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob"});
  Group bob = joined[0];
  const Bytes psk_id = to_bytes("shared-psk");
  psks_.add_external(psk_id, crypto::random_secret(suite_->hash_size()));
  PreSharedKeyID id;
  id.psktype = PSKType::external;
  id.psk_id = psk_id;
  id.psk_nonce = crypto::random_bytes(suite_->hash_size());
  auto result = alice.commit(with_proposals({Proposal{PreSharedKey{id}}}));
  ASSERT_TRUE(result) << result.error().what();
  auto at_bob = bob.process(result->commit);
  ASSERT_TRUE(at_bob) << at_bob.error().what();
  expect_agree({result->next.get(), at_bob->next.get()});
}

TEST_P(GroupTest, TamperedCommitLeavesStateUnchanged) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob", "carol"});
  Group bob = joined[0];
  auto result = alice.commit(with_proposals({Proposal{Remove{joined[1].own_leaf().value}}}));
  ASSERT_TRUE(result);
  Bytes wire = result->commit.encode();
  const Bytes before_hash = bob.tree().root_tree_hash();
  const Bytes before_auth = to_bytes(bob.epoch_authenticator());
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < wire.size(); i += 7) {
    Bytes tampered = wire;
    tampered[i] ^= 0x01;
    auto decoded = MLSMessage::decode(tampered);
    if (!decoded) {
      ++rejected;
      continue;
    }
    auto processed = bob.process(*decoded);
    if (!processed) ++rejected;
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_EQ(bob.epoch(), result->next->epoch() - 1);
  EXPECT_EQ(bob.tree().root_tree_hash(), before_hash);
  EXPECT_TRUE(equal(bob.epoch_authenticator(), before_auth));
  // And the genuine commit still applies afterwards.
  auto genuine = bob.process(result->commit);
  ASSERT_TRUE(genuine) << genuine.error().what();
  expect_agree({result->next.get(), genuine->next.get()});
}

TEST_P(GroupTest, LateApplicationMessageFromPreviousEpoch) {
  Group alice = create("alice");
  auto joined = add(alice, {}, {"bob", "carol"});
  Group bob = joined[0], carol = joined[1];
  auto late = carol.protect(as_bytes("sent before the commit"));
  ASSERT_TRUE(late);
  auto result = alice.commit([] {
    CommitOptions o;
    o.force_path = true;
    return o;
  }());
  ASSERT_TRUE(result);
  auto at_bob = bob.process(result->commit);
  ASSERT_TRUE(at_bob);
  bob = *at_bob->next;
  auto received = bob.process(*late);
  ASSERT_TRUE(received) << received.error().what();
  EXPECT_EQ(received->application_data, to_bytes("sent before the commit"));
}

INSTANTIATE_TEST_SUITE_P(Suites, GroupTest, ::testing::Values(1, 2, 3, 4, 5, 6, 7),
                         [](const auto& info) { return "suite" + std::to_string(info.param); });

}  // namespace
}  // namespace ztm::mls
