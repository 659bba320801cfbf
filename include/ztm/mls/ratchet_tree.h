// RatchetTree: the public ratchet tree of an MLS group (RFC 9420 §4, §7), stored as
// the array of §4.1 / Appendix C: one std::optional<Node> per NodeIndex, blank nodes
// empty. Tree hashes (§7.8) are cached per node and recomputed lazily: a change to
// a node invalidates only that node and its ancestors, so an operation that touches
// one path rehashes only that path, and extending the tree hashes only the new
// (blank) nodes. Parent hashes (§7.9) are computed from the cached tree hashes.
//
// A RatchetTree is a value: copying it copies every node. The group state layer
// copies it once per epoch change (mls::State returns a new state), never per
// operation; TreeKEM works on provisional copies of one path only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/credential_validator.h"
#include "ztm/mls/messages/group_context.h"
#include "ztm/mls/messages/leaf_node.h"
#include "ztm/mls/messages/proposals.h"
#include "ztm/mls/tree_math.h"

namespace ztm::mls {

// LeafNodeRules says what validate_leaf_node checks for one LeafNode (§7.3).
struct LeafNodeRules {
  // expected_source: key_package in a KeyPackage, update in an Update proposal,
  // commit in an UpdatePath; nullopt accepts any (a tree being joined).
  std::optional<LeafNodeSource> expected_source;
  // group_id and leaf_index are the LeafNodeTBS context of update/commit leaves.
  ByteView group_id;
  LeafIndex leaf_index;
  // group_extensions, when set, are the GroupContext extensions: each must be
  // supported and a required_capabilities extension must be satisfied.
  const ExtensionList* group_extensions = nullptr;
  // now_seconds, when set, must lie within a key_package leaf's lifetime.
  std::optional<std::uint64_t> now_seconds;
  // max_lifetime_seconds, when non-zero, bounds not_after - not_before (§7.2 asks
  // applications to define one).
  std::uint64_t max_lifetime_seconds = 0;
  // credential_validator, when set, must accept the credential (§5.3.1).
  const CredentialValidator* credential_validator = nullptr;
};

// verify_leaf_signature checks SignWithLabel(., "LeafNodeTBS", LeafNodeTBS); the
// failure is authentication_failed "leaf_node.signature_invalid".
Result<void> verify_leaf_signature(const CipherSuite& suite, const LeafNode& leaf,
                                   ByteView group_id, LeafIndex leaf_index);
// sign_leaf_node sets leaf.signature for the given TBS context.
Result<void> sign_leaf_node(const CipherSuite& suite, const crypto::SignaturePrivateKey& key,
                            LeafNode& leaf, ByteView group_id, LeafIndex leaf_index);
// validate_leaf_node runs the checks of §7.3 that need only the leaf and the
// group's parameters: credential, signature, source, lifetime, capabilities and
// extensions. The checks against the other members (credential types, key
// uniqueness) are RatchetTree::validate_leaf_against_tree.
Result<void> validate_leaf_node(const CipherSuite& suite, const LeafNode& leaf,
                                const LeafNodeRules& rules);
// validate_leaf_credential is validate_leaf_node's first check on its own: the
// validator accepts the leaf's credential for its signature key (§5.3.1), else
// "leaf_node.credential_rejected" with the validator's error code. Callers that
// check leaves in parallel with a validator that is not thread_safe() call it
// serially and validate_leaf_node without a validator in parallel.
Result<void> validate_leaf_credential(const CredentialValidator& validator, const LeafNode& leaf);

class RatchetTree {
 public:
  // RatchetTree(suite) is an empty tree (no leaves) using suite's hash.
  explicit RatchetTree(const CipherSuite& suite);

  // optional<Node> ratchet_tree<V>;   (RFC 9420 §12.4.3.3)
  // decode parses the ratchet_tree extension data (or any encoded tree) once:
  // the last node must be non-blank, leaves must hold LeafNodes and parents
  // ParentNodes, and the tree may not exceed limits::kMaxTreeLeaves. It does not
  // verify hashes or signatures (see validate_for_join and tree_validation.h).
  static Result<RatchetTree> decode(const CipherSuite& suite, ByteView data);
  // from_nodes takes already decoded nodes, with the same checks as decode.
  static Result<RatchetTree> from_nodes(const CipherSuite& suite,
                                        std::vector<std::optional<Node>> nodes);
  // encode writes the ratchet_tree form, without trailing blank nodes.
  Bytes encode() const;

  const CipherSuite& suite() const { return suite_; }
  LeafCount leaf_count() const { return LeafCount::from_node_width(width()); }
  std::uint32_t width() const { return static_cast<std::uint32_t>(nodes_.size()); }
  bool empty() const { return nodes_.empty(); }
  // member_count is the number of non-blank leaves.
  std::uint32_t member_count() const;

  bool is_blank(NodeIndex n) const { return n.value >= width() || !nodes_[n.value]; }
  // node is the node at n; n must be below width().
  const std::optional<Node>& node(NodeIndex n) const { return nodes_[n.value]; }
  // leaf is the LeafNode at a leaf index, or nullptr if blank or outside the tree.
  const LeafNode* leaf(LeafIndex i) const;
  // parent_node is the ParentNode at a parent index, or nullptr if blank.
  const ParentNode* parent_node(NodeIndex n) const;
  // find_leaf returns the index of the leaf equal to `leaf`, if any.
  std::optional<LeafIndex> find_leaf(const LeafNode& leaf) const;

  // --- §4.1.2 / §7.1: resolution and paths -------------------------------------
  // resolution is the resolution of n: n itself plus its unmerged leaves if n is
  // non-blank, else the resolutions of its children (empty for a blank leaf).
  std::vector<NodeIndex> resolution(NodeIndex n) const;
  // append_resolution appends the resolution of n to out (no allocation beyond
  // out's growth).
  void append_resolution(NodeIndex n, std::vector<NodeIndex>& out) const;
  // filtered_direct_path is the direct path of leaf i without the nodes whose child
  // on i's copath has an empty resolution (§4.1.2).
  NodePath filtered_direct_path(LeafIndex i) const;

  // --- §7.7 / §12.1: changing the tree -----------------------------------------
  // add_leaf puts leaf into the leftmost blank leaf, extending the tree if there is
  // none, and records it in the unmerged_leaves of its non-blank ancestors (§7.7,
  // §12.1.1). Fails with limit_exceeded beyond limits::kMaxTreeLeaves.
  Result<LeafIndex> add_leaf(LeafNode leaf);
  // update_leaf replaces the leaf of a member and blanks its direct path (§12.1.2).
  Result<void> update_leaf(LeafIndex i, LeafNode leaf);
  // remove_leaf blanks a member's leaf and direct path, then truncates (§12.1.3).
  Result<void> remove_leaf(LeafIndex i);
  // apply(Add/Update/Remove) are the proposals' tree effects; Update needs its
  // sender. apply(Add) returns the new leaf's index.
  Result<LeafIndex> apply(const Add& add) { return add_leaf(add.key_package.leaf_node); }
  Result<void> apply(const Update& update, LeafIndex sender) {
    return update_leaf(sender, update.leaf_node);
  }
  Result<void> apply(const Remove& remove) { return remove_leaf(LeafIndex{remove.removed}); }

  // set_node writes one node (used by TreeKEM to merge an UpdatePath); a leaf
  // position takes a LeafNode and a parent position a ParentNode.
  Result<void> set_node(NodeIndex n, std::optional<Node> value);
  // blank_path blanks the parent nodes of leaf i's direct path.
  void blank_direct_path(LeafIndex i);

  // --- §7.8: tree hashes ------------------------------------------------------
  // tree_hash is the tree hash of the root (empty for an empty tree).
  Bytes root_tree_hash() const;
  // tree_hash is the tree hash of node n (below width()), from the cache when it
  // is current. The
  // view is valid until the tree is next changed.
  ByteView tree_hash(NodeIndex n) const;
  // hash_computations counts the node hashes computed since construction: what
  // the incrementality tests measure.
  std::uint64_t hash_computations() const { return hash_computations_; }

  // --- §7.9: parent hashes ----------------------------------------------------
  // parent_hash is the parent hash of parent node p with copath child s (a child of
  // p): Hash(ParentHashInput{p.encryption_key, p.parent_hash,
  // original_sibling_tree_hash}), where the sibling's tree hash leaves out p's
  // unmerged leaves. p must be non-blank.
  Result<Bytes> parent_hash(NodeIndex p, NodeIndex s) const;
  // original_tree_hash is the tree hash of n with the given leaves (sorted) blanked
  // and removed from every unmerged_leaves list: the original_sibling_tree_hash.
  Bytes original_tree_hash(NodeIndex n, std::span<const std::uint32_t> excluded) const;
  // verify_parent_hashes checks that every non-blank parent node is parent-hash
  // valid (§7.9.2), top down: exactly one child side has a node D chaining to it.
  // Failure is protocol_violation "tree.parent_hash_mismatch".
  Result<void> verify_parent_hashes() const;
  // verify_unmerged_leaves checks §12.4.3.1's unmerged_leaves rules (sorted,
  // non-blank descendant leaves, present on every non-blank node in between).
  Result<void> verify_unmerged_leaves() const;
  // verify_unique_keys checks that HPKE keys are unique across all nodes and
  // signature keys across all leaves (§7.3, §12.4.3.1).
  Result<void> verify_unique_keys() const;

  // validate_leaf_against_tree runs §7.3's checks against the current members for
  // a leaf about to enter the tree (replacing `replacing`, if set): its credential
  // type is supported by every member and it supports theirs, and its encryption and
  // signature keys appear nowhere else in the tree (for an Update, the encryption
  // key must also differ from the leaf it replaces).
  Result<void> validate_leaf_against_tree(const LeafNode& leaf,
                                          std::optional<LeafIndex> replacing) const;

  // validate_for_join checks a tree received with a Welcome or for an external
  // join (§12.4.3.1): its root hash equals context.tree_hash, every non-blank
  // parent is parent-hash valid, unmerged_leaves are consistent, keys are unique,
  // every leaf passes validate_leaf_node (credential, signature, capabilities
  // against context.extensions, lifetime at now_seconds if given) and the members'
  // credential types are mutually supported.
  Result<void> validate_for_join(const GroupContext& context, const CredentialValidator& validator,
                                 std::optional<std::uint64_t> now_seconds) const;

  bool operator==(const RatchetTree& other) const { return nodes_ == other.nodes_; }

 private:
  void invalidate(NodeIndex n);  // n and its ancestors
  void resize(std::uint32_t new_width);
  void truncate();
  ByteView compute_hash(NodeIndex n) const;
  ByteView stored_hash(NodeIndex n) const;
  bool append_resolution_capped(NodeIndex n, std::vector<NodeIndex>& out, std::size_t cap) const;
  // side_chains_to checks whether some D in the resolution of child c is
  // parent-hash linked to p (§7.9.2).
  Result<bool> side_chains_to(NodeIndex p, NodeIndex c, NodeIndex s) const;

  CipherSuite suite_;
  std::vector<std::optional<Node>> nodes_;
  // hashes_ holds node n's tree hash at [n * Nh, (n + 1) * Nh) when valid_[n]: one
  // flat buffer rather than a heap block per node. Mutable because hashing is a
  // cache behind const accessors.
  mutable Bytes hashes_;
  mutable std::vector<std::uint8_t> valid_;
  mutable Bytes scratch_;
  mutable std::uint64_t hash_computations_ = 0;
  // first_blank_hint_ is a leaf index at or below the leftmost blank leaf, so that
  // a run of adds scans the leaves once rather than once per add.
  std::uint32_t first_blank_hint_ = 0;
};

}  // namespace ztm::mls
