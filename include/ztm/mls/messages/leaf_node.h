// Tree node contents: LeafNode, ParentNode, Node (RFC 9420 §7.1, §7.2, §12.4.3.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/credential.h"
#include "ztm/mls/messages/extension.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct {
//     ProtocolVersion versions<V>;
//     CipherSuite cipher_suites<V>;
//     ExtensionType extensions<V>;
//     ProposalType proposals<V>;
//     CredentialType credentials<V>;
// } Capabilities;   (RFC 9420 §7.2)
// Unknown values are kept (and ignored by the checks); each list is bounded by
// limits::kMaxCapabilityEntries.
struct Capabilities {
  std::vector<ProtocolVersion> versions;
  std::vector<CipherSuiteId> cipher_suites;
  std::vector<ExtensionType> extensions;
  std::vector<ProposalType> proposals;
  std::vector<CredentialType> credentials;

  bool supports_version(ProtocolVersion v) const;
  bool supports_cipher_suite(CipherSuiteId s) const;
  // supports_extension is true for the default extension types 1..5 (which §7.2
  // says are never listed) and for listed ones.
  bool supports_extension(ExtensionType t) const;
  // supports_proposal is true for the default proposal types 1..7 and listed ones.
  bool supports_proposal(ProposalType t) const;
  bool supports_credential(CredentialType t) const;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Capabilities&) const = default;
};

// struct { uint64 not_before; uint64 not_after; } Lifetime;   (RFC 9420 §7.2)
// Seconds since the Unix epoch.
struct Lifetime {
  std::uint64_t not_before = 0;
  std::uint64_t not_after = 0;
  ZTM_TLS_FIELDS(not_before, not_after)
  bool operator==(const Lifetime&) const = default;
};

// struct {
//     HPKEPublicKey encryption_key;
//     SignaturePublicKey signature_key;
//     Credential credential;
//     Capabilities capabilities;
//     LeafNodeSource leaf_node_source;
//     select (LeafNode.leaf_node_source) {
//         case key_package: Lifetime lifetime;
//         case update:      struct{};
//         case commit:      opaque parent_hash<V>;
//     };
//     Extension extensions<V>;
//     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
//     opaque signature<V>;
// } LeafNode;   (RFC 9420 §7.2)
//
// `lifetime` is meaningful (encoded, decoded, compared) only when the source is
// key_package, `parent_hash` only when it is commit.
struct LeafNode {
  HPKEPublicKey encryption_key;
  SignaturePublicKey signature_key;
  Credential credential;
  Capabilities capabilities;
  LeafNodeSource leaf_node_source = LeafNodeSource::key_package;
  Lifetime lifetime;
  Bytes parent_hash;
  ExtensionList extensions;
  Bytes signature;

  // to_be_signed encodes the LeafNodeTBS (RFC 9420 §7.2):
  //   struct { <the fields above up to extensions>;
  //            select (leaf_node_source) {
  //              case key_package: struct{};
  //              case update, commit: opaque group_id<V>; uint32 leaf_index; };
  //   } LeafNodeTBS;
  // group_id and leaf_index are ignored for key_package leaves.
  Bytes to_be_signed(ByteView group_id, std::uint32_t leaf_index) const;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const LeafNode& other) const;

 private:
  // Shared by tls_encode and to_be_signed: everything before `signature`.
  void encode_content(tls::Writer& w) const;
  std::size_t content_size() const;
};

// struct {
//     HPKEPublicKey encryption_key;
//     opaque parent_hash<V>;
//     uint32 unmerged_leaves<V>;
// } ParentNode;   (RFC 9420 §7.1)
struct ParentNode {
  HPKEPublicKey encryption_key;
  Bytes parent_hash;
  std::vector<std::uint32_t> unmerged_leaves;
  ZTM_TLS_FIELDS(encryption_key, parent_hash, unmerged_leaves)
  bool operator==(const ParentNode&) const = default;
};

// struct {
//     NodeType node_type;
//     select (Node.node_type) {
//         case leaf:   LeafNode leaf_node;
//         case parent: ParentNode parent_node;
//     };
// } Node;   (RFC 9420 §12.4.3.3)
struct Node {
  std::variant<LeafNode, ParentNode> value;

  NodeType type() const { return value.index() == 0 ? NodeType::leaf : NodeType::parent; }
  bool is_leaf() const { return value.index() == 0; }
  const LeafNode& leaf() const { return std::get<LeafNode>(value); }
  LeafNode& leaf() { return std::get<LeafNode>(value); }
  const ParentNode& parent() const { return std::get<ParentNode>(value); }
  ParentNode& parent() { return std::get<ParentNode>(value); }
  // encryption_key is the node's HPKE public key, whichever kind it is.
  const HPKEPublicKey& encryption_key() const {
    return is_leaf() ? leaf().encryption_key : parent().encryption_key;
  }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Node&) const = default;
};

}  // namespace ztm::mls
