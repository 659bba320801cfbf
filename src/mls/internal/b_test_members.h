// Test helpers (tests only): members with real keys and signed leaves, and a group
// tree built by adds and commits, for the ratchet tree and TreeKEM tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ztm/mls/ratchet_tree.h"
#include "ztm/mls/treekem.h"

namespace ztm::mls::test {

inline const Bytes& test_group_id() {
  static const Bytes id = to_bytes("test group");
  return id;
}

struct TestMember {
  crypto::SignaturePrivateKey signer;
  crypto::DhPrivateKey leaf_key;
  LeafNode leaf;
};

// make_member creates keys and a KeyPackage-style leaf signed by them.
inline TestMember make_member(const CipherSuite& suite, const std::string& name) {
  auto signer = crypto::SignaturePrivateKey::generate(suite.signature_scheme());
  auto leaf_key = crypto::DhPrivateKey::generate(suite.kem_id());
  EXPECT_TRUE(signer && leaf_key);
  LeafNode leaf;
  leaf.encryption_key = leaf_key->public_key();
  leaf.signature_key = signer->public_key();
  leaf.credential = Credential::basic(to_bytes(name));
  leaf.capabilities.versions = {ProtocolVersion::mls10};
  leaf.capabilities.cipher_suites = {suite.id()};
  leaf.capabilities.credentials = {CredentialType::basic};
  leaf.leaf_node_source = LeafNodeSource::key_package;
  leaf.lifetime = {0, ~std::uint64_t{0}};
  EXPECT_TRUE(sign_leaf_node(suite, *signer, leaf, {}, LeafIndex{0}));
  return {std::move(*signer), std::move(*leaf_key), std::move(leaf)};
}

// TestGroup is a tree plus every member's private view, kept in step.
struct TestGroup {
  CipherSuite suite;
  RatchetTree tree;
  std::vector<TestMember> members;
  std::vector<std::optional<TreeKemPrivateKey>> privates;
  GroupContext context;

  explicit TestGroup(const CipherSuite& s) : suite(s), tree(s) {
    context.cipher_suite = s.id();
    context.group_id = test_group_id();
  }

  LeafIndex add(const std::string& name) {
    members.push_back(make_member(suite, name));
    auto index = tree.add_leaf(members.back().leaf);
    EXPECT_TRUE(index);
    if (privates.size() <= index->value) privates.resize(index->value + 1);
    privates[index->value].emplace(*index, members.back().leaf_key);
    return *index;
  }

  // commit has `sender` create an UpdatePath; every other member decrypts it.
  void commit(LeafIndex sender, std::span<const LeafIndex> new_members = {}) {
    context.epoch += 1;
    auto created = create_update_path(tree, sender, *tree.leaf(sender),
                                      members_by_leaf(sender).signer, context, new_members);
    ASSERT_TRUE(created) << created.error().what();
    const Bytes ctx = tls::encode(context);
    for (std::uint32_t j = 0; j < privates.size(); ++j) {
      if (j == sender.value || !privates[j] || tree.leaf(LeafIndex{j}) == nullptr) continue;
      if (std::find(new_members.begin(), new_members.end(), LeafIndex{j}) != new_members.end()) {
        continue;
      }
      auto got =
          decrypt_update_path(tree, sender, created->update_path, *privates[j], ctx, new_members);
      ASSERT_TRUE(got) << j << ": " << got.error().what();
      EXPECT_TRUE(got->commit_secret == created->commit_secret);
      privates[j] = std::move(got->private_key);
    }
    privates[sender.value] = std::move(created->private_key);
  }

  TestMember& members_by_leaf(LeafIndex i) {
    // Members are added in order and never removed in these tests' helpers, so
    // the k-th added member sits at the k-th leaf unless a test reuses slots.
    const LeafNode* leaf = tree.leaf(i);
    for (auto& m : members) {
      if (m.signer.public_key() == leaf->signature_key) return m;
    }
    ADD_FAILURE() << "no member at leaf " << i.value;
    return members.front();
  }
};

}  // namespace ztm::mls::test
