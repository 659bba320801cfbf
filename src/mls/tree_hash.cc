// Tree hashes (RFC 9420 §7.8) and parent hashes (§7.9) of a RatchetTree.
#include "ztm/mls/tree_hash.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ztm/mls/ratchet_tree.h"

namespace ztm::mls {

void encode_leaf_hash_input(Bytes& out, std::uint32_t leaf_index, const LeafNode* leaf) {
  tls::Writer w(out);
  w.u8(static_cast<std::uint8_t>(NodeType::leaf));
  w.u32(leaf_index);
  if (leaf == nullptr) {
    w.u8(0);
  } else {
    w.u8(1);
    tls::write(w, *leaf);
  }
}

void encode_parent_hash_input(Bytes& out, ByteView encryption_key, ByteView parent_hash,
                              ByteView original_sibling_tree_hash) {
  tls::Writer w(out);
  w.opaque(encryption_key);
  w.opaque(parent_hash);
  w.opaque(original_sibling_tree_hash);
}

namespace {
// subtree_leaves is the range [first, last] of leaf indices under node n.
std::pair<std::uint32_t, std::uint32_t> subtree_leaves(NodeIndex n) {
  const std::uint32_t half = (std::uint32_t{1} << level(n)) - 1;
  return {(n.value - half) / 2, (n.value + half) / 2};
}

bool any_in_range(std::span<const std::uint32_t> sorted, std::uint32_t lo, std::uint32_t hi) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), lo);
  return it != sorted.end() && *it <= hi;
}
}  // namespace

ByteView RatchetTree::stored_hash(NodeIndex n) const {
  const std::size_t nh = suite_.hash_size();
  return ByteView(hashes_).subspan(std::size_t{n.value} * nh, nh);
}

ByteView RatchetTree::compute_hash(NodeIndex n) const {
  if (valid_[n.value]) return stored_hash(n);
  const auto& node = nodes_[n.value];
  if (n.is_leaf()) {
    scratch_.clear();
    encode_leaf_hash_input(scratch_, n.leaf().value, node ? &node->leaf() : nullptr);
  } else {
    // Children first: they may use scratch_ themselves.
    const ByteView l = compute_hash(left(n));
    const ByteView r = compute_hash(right(n));
    scratch_.clear();
    encode_parent_node_hash_input(scratch_, node ? &node->parent() : nullptr, l, r,
                                  [](std::uint32_t) { return false; });
  }
  const Bytes digest = suite_.hash(scratch_);
  std::memcpy(hashes_.data() + std::size_t{n.value} * digest.size(), digest.data(), digest.size());
  valid_[n.value] = 1;
  ++hash_computations_;
  return stored_hash(n);
}

ByteView RatchetTree::tree_hash(NodeIndex n) const {
  return compute_hash(n);
}

Bytes RatchetTree::root_tree_hash() const {
  if (empty()) return {};
  return to_bytes(compute_hash(root(leaf_count())));
}

Bytes RatchetTree::original_tree_hash(NodeIndex n, std::span<const std::uint32_t> excluded) const {
  const auto [lo, hi] = subtree_leaves(n);
  if (!any_in_range(excluded, lo, hi)) return to_bytes(compute_hash(n));
  Bytes input;
  ++hash_computations_;
  if (n.is_leaf()) {
    // An excluded leaf is hashed as blank.
    encode_leaf_hash_input(input, n.leaf().value, nullptr);
    return suite_.hash(input);
  }
  const Bytes l = original_tree_hash(left(n), excluded);
  const Bytes r = original_tree_hash(right(n), excluded);
  const auto& node = nodes_[n.value];
  encode_parent_node_hash_input(input, node ? &node->parent() : nullptr, l, r,
                                [excluded](std::uint32_t u) {
                                  return std::binary_search(excluded.begin(), excluded.end(), u);
                                });
  return suite_.hash(input);
}

Result<Bytes> RatchetTree::parent_hash(NodeIndex p, NodeIndex s) const {
  const ParentNode* node = parent_node(p);
  if (node == nullptr) {
    return fail(Errc::invalid_argument, "tree.blank_parent: node " + std::to_string(p.value));
  }
  const std::vector<std::uint32_t>* excluded = &node->unmerged_leaves;
  std::vector<std::uint32_t> sorted;
  if (!std::is_sorted(excluded->begin(), excluded->end())) {
    sorted = *excluded;
    std::sort(sorted.begin(), sorted.end());
    excluded = &sorted;
  }
  const Bytes sibling_hash = original_tree_hash(s, *excluded);
  Bytes input;
  encode_parent_hash_input(input, node->encryption_key, node->parent_hash, sibling_hash);
  return suite_.hash(input);
}

}  // namespace ztm::mls
