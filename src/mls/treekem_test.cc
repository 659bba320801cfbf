// TreeKEM: members agree on commit secrets across commits, new members are left out
// of the path encryption and join through implanted path secrets, and every failure
// leaves the tree exactly as it was.
#include "ztm/mls/treekem.h"

#include <gtest/gtest.h>

#include "internal/b_test_members.h"

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

TEST(TreeKem, MembersFollowSuccessiveCommits) {
  TestGroup g(suite1());
  for (int i = 0; i < 7; ++i) g.add("m" + std::to_string(i));
  for (std::uint32_t sender : {0u, 3u, 6u, 1u}) {
    g.commit(LeafIndex{sender});
    ASSERT_TRUE(g.tree.verify_parent_hashes());
    for (std::uint32_t j = 0; j < 7; ++j) {
      EXPECT_TRUE(g.privates[j]->consistent_with(g.tree)) << "member " << j;
    }
  }
  // After a commit the committer holds its whole filtered direct path.
  EXPECT_EQ(g.privates[1]->size(), 1 + g.tree.filtered_direct_path(LeafIndex{1}).size());
}

TEST(TreeKem, NewMembersAreExcludedAndJoinByImplant) {
  TestGroup g(suite1());
  for (int i = 0; i < 4; ++i) g.add("m" + std::to_string(i));
  g.commit(LeafIndex{0});
  const LeafIndex joiner = g.add("joiner");  // leaf 4
  g.context.epoch += 1;
  const LeafIndex news[] = {joiner};
  auto created = create_update_path(g.tree, LeafIndex{0}, *g.tree.leaf(LeafIndex{0}),
                                    g.members_by_leaf(LeafIndex{0}).signer, g.context, news);
  ASSERT_TRUE(created) << created.error().what();
  // The root's copath child (node 11) resolves to the joiner alone, who is excluded.
  const auto& root_node = created->update_path.nodes.back();
  EXPECT_TRUE(root_node.encrypted_path_secret.empty());

  const SecretBytes* secret = path_secret_for(*created, LeafIndex{0}, joiner);
  ASSERT_NE(secret, nullptr);
  TreeKemPrivateKey joined = *g.privates[joiner.value];
  ASSERT_TRUE(joined.implant(g.suite, g.tree, common_ancestor(LeafIndex{0}.node(), joiner.node()),
                             *secret));
  EXPECT_TRUE(joined.consistent_with(g.tree));
  EXPECT_NE(joined.key(root(g.tree.leaf_count())), nullptr);

  // Decrypting the excluded node's path fails cleanly rather than using a wrong one.
  auto no_ct = decrypt_update_path(g.tree, LeafIndex{0}, created->update_path, joined,
                                   tls::encode(g.context), news);
  ASSERT_FALSE(no_ct);
  g.privates[joiner.value] = joined;
  g.privates[0] = created->private_key;
  for (std::uint32_t j = 1; j < 4; ++j) {
    auto got = decrypt_update_path(g.tree, LeafIndex{0}, created->update_path, *g.privates[j],
                                   tls::encode(g.context), news);
    ASSERT_TRUE(got) << got.error().what();
    EXPECT_TRUE(got->commit_secret == created->commit_secret);
    g.privates[j] = got->private_key;
  }
  // The joiner follows the next commit like everyone else.
  g.commit(LeafIndex{2});
}

struct Fixture {
  TestGroup g{suite1()};
  UpdatePath path;
  Bytes context;
  RatchetTree before{suite1()};

  Fixture() {
    for (int i = 0; i < 6; ++i) g.add("m" + std::to_string(i));
    g.commit(LeafIndex{0});
    before = g.tree;
    // Leaf 3 prepares a path on a copy; the fixture keeps the tree without it.
    RatchetTree sender_tree = g.tree;
    GroupContext ctx = g.context;
    auto created = create_update_path(sender_tree, LeafIndex{3}, *g.tree.leaf(LeafIndex{3}),
                                      g.members_by_leaf(LeafIndex{3}).signer, ctx, {});
    EXPECT_TRUE(created);
    path = created->update_path;
    context = tls::encode(ctx);
  }

  void expect_unchanged() const {
    EXPECT_TRUE(g.tree == before);
    EXPECT_EQ(g.tree.root_tree_hash(), before.root_tree_hash());
  }
};

TEST(TreeKem, TamperedParentHashLeavesTreeUnchanged) {
  Fixture f;
  UpdatePath bad = f.path;
  bad.leaf_node.parent_hash[0] ^= 1;
  expect_rule(merge_update_path(f.g.tree, LeafIndex{3}, bad), "treekem.parent_hash_mismatch");
  f.expect_unchanged();
  UpdatePath swapped = f.path;
  swapped.nodes[0].encryption_key = f.path.nodes[1].encryption_key;
  swapped.nodes[1].encryption_key = f.path.nodes[0].encryption_key;
  expect_rule(merge_update_path(f.g.tree, LeafIndex{3}, swapped), "treekem.parent_hash_mismatch");
  f.expect_unchanged();
  ASSERT_TRUE(merge_update_path(f.g.tree, LeafIndex{3}, f.path));  // the honest one merges
  EXPECT_FALSE(f.g.tree == f.before);
}

TEST(TreeKem, MalformedPathsAreRejectedWithoutChange) {
  Fixture f;
  UpdatePath short_path = f.path;
  short_path.nodes.pop_back();
  expect_rule(merge_update_path(f.g.tree, LeafIndex{3}, short_path), "treekem.wrong_path_length");
  UpdatePath reused = f.path;
  reused.nodes[0].encryption_key = f.g.tree.leaf(LeafIndex{1})->encryption_key;
  expect_rule(merge_update_path(f.g.tree, LeafIndex{3}, reused), "treekem.path_key_reused");
  UpdatePath not_commit = f.path;
  not_commit.leaf_node.leaf_node_source = LeafNodeSource::update;
  expect_rule(merge_update_path(f.g.tree, LeafIndex{3}, not_commit), "leaf_node.wrong_source");
  f.expect_unchanged();
}

TEST(TreeKem, DecryptionChecksContextAndDerivedKeys) {
  Fixture f;
  ASSERT_TRUE(merge_update_path(f.g.tree, LeafIndex{3}, f.path));
  const TreeKemPrivateKey& member1 = *f.g.privates[1];
  ASSERT_TRUE(decrypt_update_path(f.g.tree, LeafIndex{3}, f.path, member1, f.context, {}));

  Bytes other_context = f.context;
  other_context.back() ^= 1;
  auto wrong_ctx = decrypt_update_path(f.g.tree, LeafIndex{3}, f.path, member1, other_context, {});
  ASSERT_FALSE(wrong_ctx);
  EXPECT_EQ(wrong_ctx.error().code, Errc::authentication_failed);

  UpdatePath lying = f.path;  // a root key that the path secret does not derive
  lying.nodes.back().encryption_key = f.g.tree.leaf(LeafIndex{5})->encryption_key;
  auto mismatch = decrypt_update_path(f.g.tree, LeafIndex{3}, lying, member1, f.context, {});
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("treekem.public_key_mismatch"), std::string::npos);

  // Member 1 decrypts at node 3, the second node of leaf 3's filtered direct path.
  ASSERT_EQ(f.g.tree.filtered_direct_path(LeafIndex{3})[1], NodeIndex{3});
  UpdatePath extra = f.path;
  extra.nodes[1].encrypted_path_secret.push_back(HPKECiphertext{{1}, {2}});
  auto count = decrypt_update_path(f.g.tree, LeafIndex{3}, extra, member1, f.context, {});
  ASSERT_FALSE(count);
  EXPECT_NE(count.error().message.find("treekem.wrong_ciphertext_count"), std::string::npos);
}

TEST(TreeKem, PrivateKeyHelpers) {
  TestGroup g(suite1());
  for (int i = 0; i < 4; ++i) g.add("m" + std::to_string(i));
  g.commit(LeafIndex{0});
  TreeKemPrivateKey p = *g.privates[0];
  EXPECT_TRUE(p.consistent_with(g.tree));
  ASSERT_TRUE(g.tree.remove_leaf(LeafIndex{1}));  // blanks nodes 1 and 3
  expect_rule(p.consistent_with(g.tree), "treekem.private_key_mismatch");
  p.forget_blank(g.tree);
  EXPECT_EQ(p.size(), 1u);
  EXPECT_TRUE(p.consistent_with(g.tree));
}

}  // namespace
}  // namespace ztm::mls
