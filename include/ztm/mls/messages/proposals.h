// Proposals, UpdatePath and Commit (RFC 9420 §7.6, §8.4, §12.1, §12.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/extension.h"
#include "ztm/mls/messages/key_package.h"
#include "ztm/mls/messages/leaf_node.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct {
//   PSKType psktype;
//   select (PreSharedKeyID.psktype) {
//     case external:   opaque psk_id<V>;
//     case resumption: ResumptionPSKUsage usage;
//                      opaque psk_group_id<V>;
//                      uint64 psk_epoch;
//   };
//   opaque psk_nonce<V>;
// } PreSharedKeyID;   (RFC 9420 §8.4)
// psk_id is meaningful for external PSKs; usage, psk_group_id and psk_epoch for
// resumption PSKs.
struct PreSharedKeyID {
  PSKType psktype = PSKType::external;
  Bytes psk_id;
  ResumptionPSKUsage usage = ResumptionPSKUsage::application;
  Bytes psk_group_id;
  std::uint64_t psk_epoch = 0;
  Bytes psk_nonce;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const PreSharedKeyID& other) const;
};

// struct { KeyPackage key_package; } Add;   (RFC 9420 §12.1.1)
struct Add {
  KeyPackage key_package;
  ZTM_TLS_FIELDS(key_package)
  bool operator==(const Add&) const = default;
};

// struct { LeafNode leaf_node; } Update;   (RFC 9420 §12.1.2)
struct Update {
  LeafNode leaf_node;
  ZTM_TLS_FIELDS(leaf_node)
  bool operator==(const Update&) const = default;
};

// struct { uint32 removed; } Remove;   (RFC 9420 §12.1.3)
struct Remove {
  std::uint32_t removed = 0;
  ZTM_TLS_FIELDS(removed)
  bool operator==(const Remove&) const = default;
};

// struct { PreSharedKeyID psk; } PreSharedKey;   (RFC 9420 §12.1.4)
struct PreSharedKey {
  PreSharedKeyID psk;
  ZTM_TLS_FIELDS(psk)
  bool operator==(const PreSharedKey&) const = default;
};

// struct {
//     opaque group_id<V>;
//     ProtocolVersion version;
//     CipherSuite cipher_suite;
//     Extension extensions<V>;
// } ReInit;   (RFC 9420 §12.1.5)
struct ReInit {
  Bytes group_id;
  ProtocolVersion version = ProtocolVersion::mls10;
  CipherSuiteId cipher_suite = 0;
  ExtensionList extensions;
  ZTM_TLS_FIELDS(group_id, version, cipher_suite, extensions)
  bool operator==(const ReInit&) const = default;
};

// struct { opaque kem_output<V>; } ExternalInit;   (RFC 9420 §12.1.6)
struct ExternalInit {
  Bytes kem_output;
  ZTM_TLS_FIELDS(kem_output)
  bool operator==(const ExternalInit&) const = default;
};

// struct { Extension extensions<V>; } GroupContextExtensions;   (RFC 9420 §12.1.7)
struct GroupContextExtensions {
  ExtensionList extensions;
  ZTM_TLS_FIELDS(extensions)
  bool operator==(const GroupContextExtensions&) const = default;
};

// struct {
//     ProposalType proposal_type;
//     select (Proposal.proposal_type) {
//         case add:                      Add;
//         case update:                   Update;
//         case remove:                   Remove;
//         case psk:                      PreSharedKey;
//         case reinit:                   ReInit;
//         case external_init:            ExternalInit;
//         case group_context_extensions: GroupContextExtensions;
//     };
// } Proposal;   (RFC 9420 §12.1)
// A proposal type ztmeet cannot parse is an invalid_encoding error: the RFC forbids
// GREASE here and a commit with an unsupported proposal must be rejected anyway.
struct Proposal {
  std::variant<Add, Update, Remove, PreSharedKey, ReInit, ExternalInit, GroupContextExtensions>
      value;

  ProposalType type() const { return static_cast<ProposalType>(value.index() + 1); }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Proposal&) const = default;
};

// struct {
//   ProposalOrRefType type;
//   select (ProposalOrRef.type) {
//     case proposal:  Proposal proposal;
//     case reference: ProposalRef reference;
//   };
// } ProposalOrRef;   (RFC 9420 §12.4)
struct ProposalOrRef {
  std::variant<Proposal, ProposalRef> value;

  ProposalOrRefType type() const {
    return value.index() == 0 ? ProposalOrRefType::proposal : ProposalOrRefType::reference;
  }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const ProposalOrRef&) const = default;
};

// struct {
//     HPKEPublicKey encryption_key;
//     HPKECiphertext encrypted_path_secret<V>;
// } UpdatePathNode;   (RFC 9420 §7.6)
struct UpdatePathNode {
  HPKEPublicKey encryption_key;
  std::vector<HPKECiphertext> encrypted_path_secret;
  ZTM_TLS_FIELDS(encryption_key, encrypted_path_secret)
  bool operator==(const UpdatePathNode&) const = default;
};

// struct { LeafNode leaf_node; UpdatePathNode nodes<V>; } UpdatePath;  (RFC 9420 §7.6)
struct UpdatePath {
  LeafNode leaf_node;
  std::vector<UpdatePathNode> nodes;
  ZTM_TLS_FIELDS(leaf_node, nodes)
  bool operator==(const UpdatePath&) const = default;
};

// struct {
//     ProposalOrRef proposals<V>;
//     optional<UpdatePath> path;
// } Commit;   (RFC 9420 §12.4)
// At most limits::kMaxProposalsPerCommit proposals decode.
struct Commit {
  std::vector<ProposalOrRef> proposals;
  std::optional<UpdatePath> path;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Commit&) const = default;
};

}  // namespace ztm::mls
