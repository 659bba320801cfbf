// RatchetTree: storage, resolution and the tree changes of §7.7 and §12.1. Hashes
// are in tree_hash.cc and validation in ratchet_tree_validation.cc.
#include "ztm/mls/ratchet_tree.h"

#include <algorithm>

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

RatchetTree::RatchetTree(const CipherSuite& suite) : suite_(suite) {}

Result<RatchetTree> RatchetTree::decode(const CipherSuite& suite, ByteView data) {
  tls::Reader r(data);
  std::vector<std::optional<Node>> nodes;
  ZTM_TRY(internal::read_bounded_vector(r, nodes, limits::kMaxTreeNodes, "ratchet_tree"));
  ZTM_TRY(r.expect_end());
  return from_nodes(suite, std::move(nodes));
}

Result<RatchetTree> RatchetTree::from_nodes(const CipherSuite& suite,
                                            std::vector<std::optional<Node>> nodes) {
  if (nodes.empty()) return fail(Errc::invalid_encoding, "tree.empty: ratchet_tree has no nodes");
  if (!nodes.back()) {
    return fail(Errc::invalid_encoding, "tree.trailing_blank: last node of ratchet_tree is blank");
  }
  if ((nodes.size() + 1) / 2 > limits::kMaxTreeLeaves) {
    return fail(Errc::limit_exceeded, "tree.too_large: more than limits::kMaxTreeLeaves leaves");
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i] && nodes[i]->is_leaf() != (i % 2 == 0)) {
      return fail(Errc::invalid_encoding,
                  "tree.node_type_mismatch: node " + std::to_string(i) +
                      (i % 2 == 0 ? " is a leaf position holding a parent node"
                                  : " is a parent position holding a leaf node"));
    }
  }
  // §12.4.3.3: extend with blanks to the next width of the form 2^(d+1) - 1.
  std::size_t width = 1;
  while (width < nodes.size()) width = 2 * width + 1;
  RatchetTree tree(suite);
  tree.nodes_ = std::move(nodes);
  tree.resize(static_cast<std::uint32_t>(width));
  return tree;
}

Bytes RatchetTree::encode() const {
  std::size_t used = nodes_.size();
  while (used > 0 && !nodes_[used - 1]) --used;
  std::size_t content = 0;
  for (std::size_t i = 0; i < used; ++i) content += tls::size_of(nodes_[i]);
  Bytes out;
  out.reserve(tls::varint_size(content) + content);
  tls::Writer w(out);
  w.varint(content);
  for (std::size_t i = 0; i < used; ++i) tls::write(w, nodes_[i]);
  return out;
}

std::uint32_t RatchetTree::member_count() const {
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < nodes_.size(); i += 2) n += nodes_[i] ? 1 : 0;
  return n;
}

const LeafNode* RatchetTree::leaf(LeafIndex i) const {
  // Compare the leaf index first: 2 * i wraps for untrusted indices >= 2^31.
  if (i.value >= leaf_count().value) return nullptr;
  const NodeIndex n = i.node();
  if (!nodes_[n.value]) return nullptr;
  return &nodes_[n.value]->leaf();
}

const ParentNode* RatchetTree::parent_node(NodeIndex n) const {
  if (n.is_leaf() || n.value >= width() || !nodes_[n.value]) return nullptr;
  return &nodes_[n.value]->parent();
}

std::optional<LeafIndex> RatchetTree::find_leaf(const LeafNode& leaf) const {
  for (std::uint32_t i = 0; i < nodes_.size(); i += 2) {
    if (nodes_[i] && nodes_[i]->leaf() == leaf) return NodeIndex{i}.leaf();
  }
  return std::nullopt;
}

void RatchetTree::append_resolution(NodeIndex n, std::vector<NodeIndex>& out) const {
  append_resolution_capped(n, out, SIZE_MAX);
}

bool RatchetTree::append_resolution_capped(NodeIndex n, std::vector<NodeIndex>& out,
                                           std::size_t cap) const {
  if (n.value >= width()) return true;
  const auto& node = nodes_[n.value];
  if (node) {
    if (out.size() >= cap) return false;
    out.push_back(n);
    if (!node->is_leaf()) {
      for (std::uint32_t u : node->parent().unmerged_leaves) {
        // An entry naming no member is skipped here (it can never hold a key)
        // and rejected by verify_unmerged_leaves.
        if (leaf(LeafIndex{u}) == nullptr) continue;
        if (out.size() >= cap) return false;
        out.push_back(LeafIndex{u}.node());
      }
    }
    return true;
  }
  if (n.is_leaf()) return true;
  return append_resolution_capped(left(n), out, cap) &&
         append_resolution_capped(right(n), out, cap);
}

std::vector<NodeIndex> RatchetTree::resolution(NodeIndex n) const {
  std::vector<NodeIndex> out;
  append_resolution(n, out);
  return out;
}

namespace {
// has_nonblank_in reports whether the resolution of n is non-empty, without
// building it: some node in n's subtree is non-blank.
bool resolution_nonempty(const std::vector<std::optional<Node>>& nodes, NodeIndex n) {
  if (n.value >= nodes.size()) return false;
  if (nodes[n.value]) return true;
  if (n.is_leaf()) return false;
  return resolution_nonempty(nodes, left(n)) || resolution_nonempty(nodes, right(n));
}
}  // namespace

NodePath RatchetTree::filtered_direct_path(LeafIndex i) const {
  NodePath out;
  const LeafCount n = leaf_count();
  const NodePath dp = direct_path(i.node(), n);
  const NodePath cp = copath(i.node(), n);
  for (std::size_t k = 0; k < dp.size(); ++k) {
    if (resolution_nonempty(nodes_, cp[k])) out.push_back(dp[k]);
  }
  return out;
}

void RatchetTree::resize(std::uint32_t new_width) {
  const std::size_t nh = suite_.hash_size();
  nodes_.resize(new_width);
  hashes_.resize(std::size_t{new_width} * nh);
  valid_.resize(new_width, 0);
  // Growing keeps every existing node's subtree (the old tree becomes the left
  // subtree), so cached hashes stay valid; the new nodes start invalid.
}

void RatchetTree::invalidate(NodeIndex n) {
  const LeafCount count = leaf_count();
  const NodeIndex r = root(count);
  valid_[n.value] = 0;
  while (n != r) {
    n = parent(n, count);
    valid_[n.value] = 0;
  }
}

Result<LeafIndex> RatchetTree::add_leaf(LeafNode leaf_node) {
  std::uint32_t index = first_blank_hint_;
  const std::uint32_t leaves = leaf_count().value;
  while (index < leaves && nodes_[2 * index]) ++index;
  if (index >= limits::kMaxTreeLeaves) {
    return fail(Errc::limit_exceeded, "tree.too_large: adding a leaf would exceed " +
                                          std::to_string(limits::kMaxTreeLeaves) + " leaves");
  }
  if (index >= leaves) {
    resize(leaves == 0 ? 1 : node_width(LeafCount{2 * leaves}));
  }
  first_blank_hint_ = index + 1;
  const LeafIndex li{index};
  for (NodeIndex p : direct_path(li.node(), leaf_count())) {
    if (auto& node = nodes_[p.value]) {
      auto& unmerged = node->parent().unmerged_leaves;
      unmerged.insert(std::upper_bound(unmerged.begin(), unmerged.end(), index), index);
    }
  }
  nodes_[li.node().value] = Node{std::move(leaf_node)};
  invalidate(li.node());
  return li;
}

Result<void> RatchetTree::update_leaf(LeafIndex i, LeafNode leaf_node) {
  if (leaf(i) == nullptr) {
    return fail(Errc::protocol_violation,
                "tree.blank_leaf: leaf " + std::to_string(i.value) + " is blank or absent");
  }
  nodes_[i.node().value] = Node{std::move(leaf_node)};
  blank_direct_path(i);
  return ok();
}

Result<void> RatchetTree::remove_leaf(LeafIndex i) {
  if (leaf(i) == nullptr) {
    return fail(Errc::protocol_violation,
                "tree.blank_leaf: removed leaf " + std::to_string(i.value) + " is blank or absent");
  }
  nodes_[i.node().value].reset();
  blank_direct_path(i);
  first_blank_hint_ = std::min(first_blank_hint_, i.value);
  truncate();
  return ok();
}

void RatchetTree::blank_direct_path(LeafIndex i) {
  for (NodeIndex p : direct_path(i.node(), leaf_count())) nodes_[p.value].reset();
  invalidate(i.node());
}

void RatchetTree::truncate() {
  // §12.1.3: drop right subtrees until the rightmost leaf of the tree is in the
  // smallest full tree that holds the rightmost non-blank leaf.
  std::uint32_t leaves = leaf_count().value;
  while (leaves > 0 && !nodes_[2 * (leaves - 1)]) --leaves;
  if (leaves == 0) {
    resize(0);
    first_blank_hint_ = 0;
    return;
  }
  const std::uint32_t w = node_width(LeafCount::full(leaves));
  if (w < width()) resize(w);
}

Result<void> RatchetTree::set_node(NodeIndex n, std::optional<Node> value) {
  if (n.value >= width()) {
    return fail(Errc::invalid_argument, "tree.node_out_of_range: node " + std::to_string(n.value));
  }
  if (value && value->is_leaf() != n.is_leaf()) {
    return fail(Errc::invalid_argument, "tree.node_type_mismatch: node " + std::to_string(n.value));
  }
  nodes_[n.value] = std::move(value);
  invalidate(n);
  return ok();
}

}  // namespace ztm::mls
