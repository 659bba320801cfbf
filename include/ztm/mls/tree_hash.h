// The hash inputs of RFC 9420 §7.8 (tree hashes) and §7.9 (parent hashes). They are
// written straight into a caller's buffer from the nodes, without building the
// structs, because the ratchet tree hashes thousands of nodes when a member joins.
#pragma once

#include <cstdint>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/mls/messages/leaf_node.h"

namespace ztm::mls {

// struct {
//   NodeType node_type;
//   select (TreeHashInput.node_type) {
//     case leaf:   LeafNodeHashInput leaf_node;
//     case parent: ParentNodeHashInput parent_node;
//   };
// } TreeHashInput;
//
// struct {
//     uint32 leaf_index;
//     optional<LeafNode> leaf_node;
// } LeafNodeHashInput;   (RFC 9420 §7.8)
//
// encode_leaf_hash_input appends TreeHashInput for a leaf (leaf may be null: blank).
void encode_leaf_hash_input(Bytes& out, std::uint32_t leaf_index, const LeafNode* leaf);

// struct {
//     optional<ParentNode> parent_node;
//     opaque left_hash<V>;
//     opaque right_hash<V>;
// } ParentNodeHashInput;   (RFC 9420 §7.8)
//
// encode_parent_node_hash_input appends TreeHashInput for a parent node (parent may be
// null: blank). When filter_unmerged is given, the node's unmerged_leaves are
// written without the leaves for which it returns true (the "original" tree of
// §7.9, where some leaves are treated as not yet added).
template <class Filter>
void encode_parent_node_hash_input(Bytes& out, const ParentNode* parent, ByteView left_hash,
                                   ByteView right_hash, Filter&& excluded) {
  tls::Writer w(out);
  w.u8(static_cast<std::uint8_t>(NodeType::parent));
  if (parent == nullptr) {
    w.u8(0);
  } else {
    w.u8(1);
    w.opaque(parent->encryption_key);
    w.opaque(parent->parent_hash);
    std::size_t kept = 0;
    for (std::uint32_t u : parent->unmerged_leaves) kept += excluded(u) ? 0 : 1;
    w.varint(4 * kept);
    for (std::uint32_t u : parent->unmerged_leaves) {
      if (!excluded(u)) w.u32(u);
    }
  }
  w.opaque(left_hash);
  w.opaque(right_hash);
}

// struct {
//     HPKEPublicKey encryption_key;
//     opaque parent_hash<V>;
//     opaque original_sibling_tree_hash<V>;
// } ParentHashInput;   (RFC 9420 §7.9)
void encode_parent_hash_input(Bytes& out, ByteView encryption_key, ByteView parent_hash,
                              ByteView original_sibling_tree_hash);

}  // namespace ztm::mls
