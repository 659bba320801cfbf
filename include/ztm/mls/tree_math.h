// Tree math: the array representation of MLS ratchet trees (RFC 9420 §4.1, §7.1 and
// Appendix C). Leaves sit at even node indices (leaf i at node 2i), parents at odd
// ones; every relation is a few bit operations on the index.
//
// RFC 9420 trees are always full: the leaf count is a power of two (§7.7 grows the
// tree by doubling and shrinks it by halving). Every function below assumes that.
// None allocates; the paths are fixed-capacity values (a tree of 2^32 nodes is 32
// levels deep), so walking a path of a 10 000-member tree costs 14 steps.
//
// Preconditions (a node inside the tree, a parent node for left/right, not the root
// for parent/sibling) are the caller's to keep: the ratchet tree checks sizes when it
// decodes untrusted input. Breaking one gives a meaningless index, never UB.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "ztm/base/tls_codec.h"

namespace ztm::mls {

struct NodeIndex;

// LeafCount is the number of leaves of a tree (a power of two; see above).
struct LeafCount {
  std::uint32_t value = 0;

  constexpr LeafCount() = default;
  constexpr explicit LeafCount(std::uint32_t v) : value(v) {}
  // full(n) is the leaf count of the smallest full tree holding n members.
  static constexpr LeafCount full(std::uint32_t n) {
    std::uint32_t w = 1;
    while (w < n) w <<= 1;
    return LeafCount{w};
  }
  // from_node_width(w) is the leaf count of a tree whose array has w nodes.
  static constexpr LeafCount from_node_width(std::uint32_t w) {
    return LeafCount{w == 0 ? 0 : (w / 2) + 1};
  }

  friend constexpr auto operator<=>(LeafCount, LeafCount) = default;
};

// LeafIndex names a member's leaf (uint32 leaf_index on the wire, e.g. in Sender).
struct LeafIndex {
  std::uint32_t value = 0;

  constexpr LeafIndex() = default;
  constexpr explicit LeafIndex(std::uint32_t v) : value(v) {}
  // node is the leaf's node index, 2 * value.
  constexpr NodeIndex node() const;

  friend constexpr auto operator<=>(LeafIndex, LeafIndex) = default;
  ZTM_TLS_FIELDS(value)
};

// NodeIndex names a node of the array (uint32 on the wire).
struct NodeIndex {
  std::uint32_t value = 0;

  constexpr NodeIndex() = default;
  constexpr explicit NodeIndex(std::uint32_t v) : value(v) {}
  constexpr explicit NodeIndex(LeafIndex leaf) : value(leaf.value * 2) {}
  // is_leaf says whether the node is a leaf (even index).
  constexpr bool is_leaf() const { return (value & 1) == 0; }
  // leaf is the leaf index of a leaf node (precondition: is_leaf()).
  constexpr LeafIndex leaf() const { return LeafIndex{value / 2}; }

  friend constexpr auto operator<=>(NodeIndex, NodeIndex) = default;
  ZTM_TLS_FIELDS(value)
};

constexpr NodeIndex LeafIndex::node() const {
  return NodeIndex{*this};
}

// NodePath is a list of nodes ordered from leaf to root (a direct path or copath),
// held inline: at most 32 entries.
class NodePath {
 public:
  static constexpr std::size_t kCapacity = 32;

  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr NodeIndex operator[](std::size_t i) const { return nodes_[i]; }
  constexpr NodeIndex front() const { return nodes_[0]; }
  constexpr NodeIndex back() const { return nodes_[size_ - 1]; }
  constexpr const NodeIndex* begin() const { return nodes_.data(); }
  constexpr const NodeIndex* end() const { return nodes_.data() + size_; }
  constexpr void push_back(NodeIndex n) {
    if (size_ < kCapacity) nodes_[size_++] = n;
  }
  constexpr void pop_back() {
    if (size_ > 0) --size_;
  }
  std::vector<NodeIndex> to_vector() const { return {begin(), end()}; }

  friend constexpr bool operator==(const NodePath& a, const NodePath& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i) {
      if (a.nodes_[i] != b.nodes_[i]) return false;
    }
    return true;
  }

 private:
  std::array<NodeIndex, kCapacity> nodes_{};
  std::size_t size_ = 0;
};

// log2 is the exponent of the largest power of 2 not above x (0 for x == 0).
constexpr std::uint32_t log2(std::uint32_t x) {
  if (x == 0) return 0;
  std::uint32_t k = 0;
  while ((x >> k) > 1) ++k;
  return k;
}

// level is the height of a node: 0 for leaves, k for a node whose index ends in k ones.
constexpr std::uint32_t level(NodeIndex x) {
  std::uint32_t k = 0;
  while (k < 32 && ((x.value >> k) & 1) == 1) ++k;
  return k;
}

// is_leaf says whether x is a leaf node.
constexpr bool is_leaf(NodeIndex x) {
  return x.is_leaf();
}

// node_width is the number of nodes of a tree with n leaves: 2(n - 1) + 1.
constexpr std::uint32_t node_width(LeafCount n) {
  return n.value == 0 ? 0 : 2 * (n.value - 1) + 1;
}

// root is the root node of a tree with n leaves (n > 0).
constexpr NodeIndex root(LeafCount n) {
  return NodeIndex{(std::uint32_t{1} << log2(node_width(n))) - 1};
}

// left is the left child of a parent node (precondition: !is_leaf(x)).
constexpr NodeIndex left(NodeIndex x) {
  const std::uint32_t k = level(x);
  if (k == 0) return x;
  return NodeIndex{x.value ^ (std::uint32_t{1} << (k - 1))};
}

// right is the right child of a parent node (precondition: !is_leaf(x)).
constexpr NodeIndex right(NodeIndex x) {
  const std::uint32_t k = level(x);
  if (k == 0) return x;
  return NodeIndex{x.value ^ (std::uint32_t{3} << (k - 1))};
}

// parent is the parent of x in a tree of n leaves (precondition: x != root(n)).
constexpr NodeIndex parent(NodeIndex x, LeafCount n) {
  const std::uint32_t k = level(x);
  if (x == root(n) || k >= 31) return x;
  const std::uint32_t b = (x.value >> (k + 1)) & 1;
  return NodeIndex{(x.value | (std::uint32_t{1} << k)) ^ (b << (k + 1))};
}

// sibling is the other child of x's parent (precondition: x != root(n)).
constexpr NodeIndex sibling(NodeIndex x, LeafCount n) {
  const NodeIndex p = parent(x, n);
  return x < p ? right(p) : left(p);
}

// direct_path lists the ancestors of x from its parent up to the root (empty for
// the root itself).
constexpr NodePath direct_path(NodeIndex x, LeafCount n) {
  NodePath d;
  const NodeIndex r = root(n);
  while (x != r && d.size() < NodePath::kCapacity) {
    x = parent(x, n);
    d.push_back(x);
  }
  return d;
}

// copath lists the siblings of x and of each node of its direct path except the
// root, from leaf to root.
constexpr NodePath copath(NodeIndex x, LeafCount n) {
  NodePath c;
  const NodeIndex r = root(n);
  while (x != r && c.size() < NodePath::kCapacity) {
    c.push_back(sibling(x, n));
    x = parent(x, n);
  }
  return c;
}

// common_ancestor is the lowest node whose subtree holds both x and y.
constexpr NodeIndex common_ancestor(NodeIndex x, NodeIndex y) {
  const std::uint32_t lx = level(x) + 1;
  const std::uint32_t ly = level(y) + 1;
  if (lx <= ly && (x.value >> ly) == (y.value >> ly)) return y;
  if (ly <= lx && (x.value >> lx) == (y.value >> lx)) return x;
  std::uint32_t xn = x.value;
  std::uint32_t yn = y.value;
  std::uint32_t k = 0;
  while (xn != yn) {
    xn >>= 1;
    yn >>= 1;
    ++k;
  }
  return NodeIndex{(xn << k) + (std::uint32_t{1} << (k - 1)) - 1};
}

// is_in_subtree says whether node x lies in the subtree rooted at ancestor a
// (a node is in its own subtree).
constexpr bool is_in_subtree(NodeIndex x, NodeIndex a) {
  const std::uint32_t k = level(a);
  // The subtree of a spans the node indices [a - (2^k - 1), a + (2^k - 1)].
  const std::uint32_t half = (std::uint32_t{1} << k) - 1;
  return x.value >= a.value - half && x.value <= a.value + half;
}

}  // namespace ztm::mls

template <>
struct std::hash<ztm::mls::LeafIndex> {
  std::size_t operator()(ztm::mls::LeafIndex i) const noexcept { return i.value; }
};
template <>
struct std::hash<ztm::mls::NodeIndex> {
  std::size_t operator()(ztm::mls::NodeIndex i) const noexcept { return i.value; }
};
