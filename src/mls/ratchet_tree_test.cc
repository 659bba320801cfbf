// RatchetTree: shape changes, encoding, resolution, hash incrementality and the
// joiner's validation rules, each failure checked by the rule it names.
#include "ztm/mls/ratchet_tree.h"

#include <gtest/gtest.h>

#include "internal/b_test_members.h"
#include "ztm/mls/extensions.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {
namespace {

using test::TestGroup;

CipherSuite suite1() {
  return *CipherSuite::create(1);
}

void expect_rule(const Result<void>& r, std::string_view rule) {
  ASSERT_FALSE(r) << "expected " << rule;
  EXPECT_NE(r.error().message.find(rule), std::string::npos) << r.error().what();
}

TEST(RatchetTree, AddFillsLeftmostBlankAndExtends) {
  TestGroup g(suite1());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(g.add("m" + std::to_string(i)).value, std::uint32_t(i));
  EXPECT_EQ(g.tree.leaf_count().value, 8u);
  EXPECT_EQ(g.tree.width(), 15u);
  EXPECT_EQ(g.tree.member_count(), 5u);
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{1}));
  EXPECT_EQ(g.add("again").value, 1u);  // the hole is reused before extending
  EXPECT_EQ(g.add("next").value, 5u);
}

TEST(RatchetTree, RemoveTruncatesToRightmostMember) {
  TestGroup g(suite1());
  for (int i = 0; i < 5; ++i) g.add("m" + std::to_string(i));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{4}));
  EXPECT_EQ(g.tree.leaf_count().value, 4u);
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{3}));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{2}));
  EXPECT_EQ(g.tree.leaf_count().value, 2u);
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{1}));
  EXPECT_EQ(g.tree.leaf_count().value, 1u);
  EXPECT_EQ(g.tree.remove_leaf(LeafIndex{3}).error().code, Errc::protocol_violation);
}

TEST(RatchetTree, EncodeDecodeRoundTripsAndDropsTrailingBlanks) {
  TestGroup g(suite1());
  for (int i = 0; i < 3; ++i) g.add("m" + std::to_string(i));
  g.commit(LeafIndex{0});
  const Bytes wire = g.tree.encode();
  auto back = RatchetTree::decode(g.suite, wire);
  ASSERT_TRUE(back) << back.error().what();
  EXPECT_TRUE(*back == g.tree);
  EXPECT_EQ(back->root_tree_hash(), g.tree.root_tree_hash());
  EXPECT_EQ(back->encode(), wire);
  // Five listed nodes (leaf 3 and parent 5 are trailing blanks) pad back to seven.
  EXPECT_EQ(back->width(), 7u);
}

TEST(RatchetTree, DecodeRejectsMalformedTrees) {
  const CipherSuite suite = suite1();
  TestGroup g(suite);
  g.add("a");
  std::vector<std::optional<Node>> trailing_blank = {Node{g.members[0].leaf}, std::nullopt};
  auto r1 = RatchetTree::decode(suite, tls::encode(trailing_blank));
  ASSERT_FALSE(r1);
  EXPECT_NE(r1.error().message.find("tree.trailing_blank"), std::string::npos);
  std::vector<std::optional<Node>> parent_at_leaf = {Node{ParentNode{{1}, {}, {}}}};
  auto r2 = RatchetTree::decode(suite, tls::encode(parent_at_leaf));
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("tree.node_type_mismatch"), std::string::npos);
  EXPECT_FALSE(RatchetTree::decode(suite, Bytes{0x00}));  // no nodes
  Bytes trailing = tls::encode(std::vector<std::optional<Node>>{Node{g.members[0].leaf}});
  trailing.push_back(0);
  EXPECT_EQ(RatchetTree::decode(suite, trailing).error().code, Errc::trailing_data);
}

TEST(RatchetTree, UpdateRehashesOnlyTheDirectPath) {
  TestGroup g(suite1());
  for (int i = 0; i < 64; ++i) g.add("m" + std::to_string(i));
  const Bytes before_root = g.tree.root_tree_hash();
  std::vector<Bytes> before;
  for (std::uint32_t n = 0; n < g.tree.width(); ++n) {
    before.push_back(to_bytes(g.tree.tree_hash(NodeIndex{n})));
  }
  const auto count = g.tree.hash_computations();
  LeafNode changed = *g.tree.leaf(LeafIndex{37});
  changed.leaf_node_source = LeafNodeSource::update;
  ASSERT_TRUE(g.tree.update_leaf(LeafIndex{37}, changed));
  EXPECT_NE(g.tree.root_tree_hash(), before_root);
  // One leaf plus its six ancestors in a 64-leaf tree.
  EXPECT_EQ(g.tree.hash_computations() - count, 7u);
  const NodePath path = direct_path(LeafIndex{37}.node(), g.tree.leaf_count());
  for (std::uint32_t n = 0; n < g.tree.width(); ++n) {
    const bool on_path = n == LeafIndex{37}.node().value ||
                         std::find(path.begin(), path.end(), NodeIndex{n}) != path.end();
    EXPECT_EQ(!equal(g.tree.tree_hash(NodeIndex{n}), before[n]), on_path) << n;
  }
  EXPECT_EQ(g.tree.hash_computations() - count, 7u);  // reading cached hashes is free
}

TEST(RatchetTree, GrowingHashesOnlyTheNewNodes) {
  TestGroup g(suite1());
  for (int i = 0; i < 64; ++i) g.add("m" + std::to_string(i));
  (void)g.tree.root_tree_hash();
  const auto count = g.tree.hash_computations();
  g.add("65th");  // doubles the tree to 128 leaves: 128 new nodes (subtree + root)
  (void)g.tree.root_tree_hash();
  EXPECT_EQ(g.tree.hash_computations() - count, 128u);
}

TEST(RatchetTree, ResolutionFollowsBlanksAndUnmergedLeaves) {
  TestGroup g(suite1());
  for (int i = 0; i < 4; ++i) g.add("m" + std::to_string(i));
  // No parents yet: the root's resolution is the four leaves.
  EXPECT_EQ(g.tree.resolution(NodeIndex{3}),
            (std::vector<NodeIndex>{NodeIndex{0}, NodeIndex{2}, NodeIndex{4}, NodeIndex{6}}));
  g.commit(LeafIndex{0});
  EXPECT_EQ(g.tree.resolution(NodeIndex{3}), std::vector<NodeIndex>{NodeIndex{3}});
  const LeafIndex added = g.add("late");  // leaf 4: the tree doubles
  EXPECT_EQ(added.value, 4u);
  // The old root (3) is not an ancestor of leaf 4; the new root (7) is blank.
  EXPECT_EQ(g.tree.resolution(NodeIndex{7}), (std::vector<NodeIndex>{NodeIndex{3}, NodeIndex{8}}));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{4}));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{3}));  // blanks parents 5 and 3
  EXPECT_EQ(g.tree.leaf_count().value, 4u);
  EXPECT_TRUE(g.tree.is_blank(NodeIndex{3}));
  g.commit(LeafIndex{0});  // sets 1 and 3; 5 stays blank
  EXPECT_TRUE(g.tree.is_blank(NodeIndex{5}));
  const LeafIndex refill = g.add("refill");  // leaf 3, under parents 5 and 3
  EXPECT_EQ(refill.value, 3u);
  EXPECT_EQ(g.tree.parent_node(NodeIndex{3})->unmerged_leaves, std::vector<std::uint32_t>{3});
  EXPECT_EQ(g.tree.resolution(NodeIndex{3}), (std::vector<NodeIndex>{NodeIndex{3}, NodeIndex{6}}));
  EXPECT_EQ(g.tree.filtered_direct_path(LeafIndex{3}).size(), 2u);
}

TEST(RatchetTree, ParentHashesVerifyAfterCommitsAndCatchTampering) {
  TestGroup g(suite1());
  for (int i = 0; i < 8; ++i) g.add("m" + std::to_string(i));
  g.commit(LeafIndex{0});
  g.commit(LeafIndex{5});
  const LeafIndex late = g.add("late");
  g.commit(LeafIndex{2}, std::span<const LeafIndex>(&late, 1));
  ASSERT_TRUE(g.tree.verify_parent_hashes());
  ASSERT_TRUE(g.tree.verify_unmerged_leaves());
  ASSERT_TRUE(g.tree.verify_unique_keys());

  auto nodes_of = [](const RatchetTree& t) {
    return *tls::decode<std::vector<std::optional<Node>>>(t.encode());
  };
  auto tampered = nodes_of(g.tree);
  tampered[11]->parent().parent_hash[0] ^= 1;  // node 11 is on leaf 5's path
  auto bad = RatchetTree::from_nodes(g.suite, std::move(tampered));
  ASSERT_TRUE(bad);
  expect_rule(bad->verify_parent_hashes(), "tree.parent_hash_mismatch");

  auto swapped_key = nodes_of(g.tree);
  swapped_key[1]->parent().encryption_key[0] ^= 1;
  expect_rule(RatchetTree::from_nodes(g.suite, std::move(swapped_key))->verify_parent_hashes(),
              "tree.parent_hash_mismatch");
}

TEST(RatchetTree, ParentHashesHoldWithLeavesAddedWithoutPath) {
  // Adds committed without a path leave unmerged leaves under the old parents; the
  // original sibling tree hash of §7.9 must leave them out.
  TestGroup g(suite1());
  for (int i = 0; i < 8; ++i) g.add("m" + std::to_string(i));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{5}));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{6}));
  g.commit(LeafIndex{0});  // sets 1, 3 and the root 7
  EXPECT_EQ(g.add("x").value, 5u);
  EXPECT_EQ(g.add("y").value, 6u);
  EXPECT_EQ(g.tree.parent_node(NodeIndex{7})->unmerged_leaves, (std::vector<std::uint32_t>{5, 6}));
  EXPECT_EQ(g.tree.resolution(NodeIndex{7}),
            (std::vector<NodeIndex>{NodeIndex{7}, NodeIndex{10}, NodeIndex{12}}));
  ASSERT_TRUE(g.tree.verify_unmerged_leaves());
  ASSERT_TRUE(g.tree.verify_parent_hashes());
  g.context.tree_hash = g.tree.root_tree_hash();
  BasicCredentialValidator validator;
  auto joined = RatchetTree::decode(g.suite, g.tree.encode());
  ASSERT_TRUE(joined);
  EXPECT_TRUE(joined->validate_for_join(g.context, validator, std::nullopt));
  // Dropping one unmerged entry breaks the chain it was accounted for in.
  auto nodes = *tls::decode<std::vector<std::optional<Node>>>(g.tree.encode());
  nodes[7]->parent().unmerged_leaves = {5};
  expect_rule(RatchetTree::from_nodes(g.suite, std::move(nodes))->verify_parent_hashes(),
              "tree.parent_hash_mismatch");
}

TEST(RatchetTree, UnmergedLeavesAndKeyUniquenessRules) {
  TestGroup g(suite1());
  for (int i = 0; i < 4; ++i) g.add("m" + std::to_string(i));
  g.commit(LeafIndex{0});
  auto nodes = *tls::decode<std::vector<std::optional<Node>>>(g.tree.encode());
  auto unsorted = nodes;
  unsorted[3]->parent().unmerged_leaves = {2, 1};
  expect_rule(RatchetTree::from_nodes(g.suite, unsorted)->verify_unmerged_leaves(),
              "tree.unmerged_leaves_unsorted");
  auto outside = nodes;
  outside[1]->parent().unmerged_leaves = {3};  // leaf 3 is not under node 1
  expect_rule(RatchetTree::from_nodes(g.suite, outside)->verify_unmerged_leaves(),
              "tree.unmerged_leaf_invalid");
  auto skipped = nodes;
  skipped[3]->parent().unmerged_leaves = {1};  // but node 1 (between) does not list it
  expect_rule(RatchetTree::from_nodes(g.suite, skipped)->verify_unmerged_leaves(),
              "tree.unmerged_leaf_missing");
  auto duplicate = nodes;
  duplicate[2]->leaf().encryption_key = duplicate[0]->leaf().encryption_key;
  expect_rule(RatchetTree::from_nodes(g.suite, duplicate)->verify_unique_keys(),
              "tree.duplicate_encryption_key");
}

TEST(RatchetTree, ValidateForJoinAcceptsAnHonestTreeAndNamesEachFailure) {
  TestGroup g(suite1());
  for (int i = 0; i < 6; ++i) g.add("m" + std::to_string(i));
  g.commit(LeafIndex{1});
  g.context.tree_hash = g.tree.root_tree_hash();
  BasicCredentialValidator validator;
  auto tree = RatchetTree::decode(g.suite, g.tree.encode());
  ASSERT_TRUE(tree);
  ASSERT_TRUE(tree->validate_for_join(g.context, validator, std::nullopt));

  GroupContext wrong = g.context;
  wrong.tree_hash[0] ^= 1;
  expect_rule(tree->validate_for_join(wrong, validator, std::nullopt), "tree.hash_mismatch");

  // A forged leaf under a parent breaks that parent's hash first.
  auto nodes = *tls::decode<std::vector<std::optional<Node>>>(g.tree.encode());
  nodes[4]->leaf().signature.back() ^= 1;
  auto forged = RatchetTree::from_nodes(g.suite, std::move(nodes));
  GroupContext forged_ctx = g.context;
  forged_ctx.tree_hash = forged->root_tree_hash();
  expect_rule(forged->validate_for_join(forged_ctx, validator, std::nullopt),
              "tree.parent_hash_mismatch");
  // Without parents, the signature check itself catches it.
  TestGroup flat(g.suite);
  for (int i = 0; i < 3; ++i) flat.add("f" + std::to_string(i));
  auto flat_nodes = *tls::decode<std::vector<std::optional<Node>>>(flat.tree.encode());
  flat_nodes[2]->leaf().signature.back() ^= 1;
  auto forged_leaf = RatchetTree::from_nodes(g.suite, std::move(flat_nodes));
  GroupContext flat_ctx = flat.context;
  flat_ctx.tree_hash = forged_leaf->root_tree_hash();
  auto sig = forged_leaf->validate_for_join(flat_ctx, validator, std::nullopt);
  expect_rule(sig, "leaf_node.signature_invalid");
  EXPECT_EQ(sig.error().code, Errc::authentication_failed);

  GroupContext required = g.context;
  RequiredCapabilitiesExtension req;
  req.credential_types = {CredentialType::x509};
  required.extensions.put(req);
  expect_rule(tree->validate_for_join(required, validator, std::nullopt),
              "leaf_node.missing_required_capability");
}

TEST(RatchetTree, LeafNodeRules) {
  const CipherSuite suite = suite1();
  auto m = test::make_member(suite, "x");
  LeafNodeRules rules;
  rules.expected_source = LeafNodeSource::key_package;
  ASSERT_TRUE(validate_leaf_node(suite, m.leaf, rules));

  LeafNodeRules wrong_source = rules;
  wrong_source.expected_source = LeafNodeSource::update;
  expect_rule(validate_leaf_node(suite, m.leaf, wrong_source), "leaf_node.wrong_source");

  LeafNodeRules expired = rules;
  LeafNode short_lived = m.leaf;
  short_lived.lifetime = {100, 200};
  ASSERT_TRUE(sign_leaf_node(suite, m.signer, short_lived, {}, LeafIndex{0}));
  expired.now_seconds = 300;
  auto r = validate_leaf_node(suite, short_lived, expired);
  expect_rule(r, "leaf_node.lifetime_expired");
  EXPECT_EQ(r.error().code, Errc::expired);

  LeafNode greasy = m.leaf;
  greasy.extensions.set(Extension{static_cast<ExtensionType>(0x3A3A), {1}});
  ASSERT_TRUE(sign_leaf_node(suite, m.signer, greasy, {}, LeafIndex{0}));
  expect_rule(validate_leaf_node(suite, greasy, rules), "leaf_node.unsupported_extension");
  greasy.capabilities.extensions.push_back(static_cast<ExtensionType>(0x3A3A));
  ASSERT_TRUE(sign_leaf_node(suite, m.signer, greasy, {}, LeafIndex{0}));
  EXPECT_TRUE(validate_leaf_node(suite, greasy, rules));  // listed GREASE is fine

  LeafNode x509 = m.leaf;
  x509.credential = Credential::x509({Certificate{{0x30}}});
  x509.capabilities.credentials.push_back(CredentialType::x509);
  ASSERT_TRUE(sign_leaf_node(suite, m.signer, x509, {}, LeafIndex{0}));
  BasicCredentialValidator basic_only;
  LeafNodeRules with_validator = rules;
  with_validator.credential_validator = &basic_only;
  expect_rule(validate_leaf_node(suite, x509, with_validator), "leaf_node.credential_rejected");
}

TEST(RatchetTree, NewLeafMustFitTheMembers) {
  TestGroup g(suite1());
  g.add("a");
  g.add("b");
  auto copy = test::make_member(g.suite, "c");
  EXPECT_TRUE(g.tree.validate_leaf_against_tree(copy.leaf, std::nullopt));
  LeafNode same_sig = copy.leaf;
  same_sig.signature_key = g.tree.leaf(LeafIndex{0})->signature_key;
  expect_rule(g.tree.validate_leaf_against_tree(same_sig, std::nullopt),
              "leaf_node.duplicate_signature_key");
  LeafNode same_enc = copy.leaf;
  same_enc.encryption_key = g.tree.leaf(LeafIndex{1})->encryption_key;
  expect_rule(g.tree.validate_leaf_against_tree(same_enc, std::nullopt),
              "leaf_node.duplicate_encryption_key");
  expect_rule(g.tree.validate_leaf_against_tree(*g.tree.leaf(LeafIndex{1}), LeafIndex{1}),
              "leaf_node.encryption_key_not_updated");
  LeafNode x509_only = copy.leaf;
  x509_only.capabilities.credentials = {CredentialType::x509};
  expect_rule(g.tree.validate_leaf_against_tree(x509_only, std::nullopt),
              "leaf_node.credential_unsupported");
}

}  // namespace
}  // namespace ztm::mls
