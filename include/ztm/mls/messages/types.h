// Code points and small wire types shared by the MLS messages (RFC 9420 §5–§12).
//
// Enums whose unknown values the RFC says must be tolerated (because they appear in
// capabilities or may be GREASE, §13.5) are "open": any uint16 decodes. Enums that
// select the shape of what follows, or that the RFC closes, declare their valid
// values through tls_enum_valid and reject anything else while decoding.
#pragma once

#include <cstdint>

#include "ztm/base/bytes.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/cipher_suite.h"

namespace ztm::mls {

// enum { reserved(0), mls10(1), (65535) } ProtocolVersion;   (RFC 9420 §6)
// Open: Capabilities.versions may list versions ztmeet does not speak. Places that
// require mls10 (MLSMessage, KeyPackage, GroupContext) check it themselves.
enum class ProtocolVersion : std::uint16_t { reserved = 0, mls10 = 1 };

// uint16 CipherSuite;   (RFC 9420 §17.1)
// The IANA value; open, since Capabilities.cipher_suites carries GREASE.
using CipherSuiteId = std::uint16_t;

// enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType;
// (RFC 9420 §6) Closed: it selects the content's structure.
enum class ContentType : std::uint8_t { application = 1, proposal = 2, commit = 3 };
inline bool tls_enum_valid(ContentType t) {
  return t >= ContentType::application && t <= ContentType::commit;
}

// enum { reserved(0), member(1), external(2), new_member_proposal(3),
//        new_member_commit(4), (255) } SenderType;   (RFC 9420 §6) Closed.
enum class SenderType : std::uint8_t {
  member = 1,
  external = 2,
  new_member_proposal = 3,
  new_member_commit = 4,
};
inline bool tls_enum_valid(SenderType t) {
  return t >= SenderType::member && t <= SenderType::new_member_commit;
}

// uint16 WireFormat;   (RFC 9420 §6, §17.2) Open as a value (AuthenticatedContent
// carries it); MLSMessage rejects formats it cannot select on.
enum class WireFormat : std::uint16_t {
  reserved = 0,
  mls_public_message = 1,
  mls_private_message = 2,
  mls_welcome = 3,
  mls_group_info = 4,
  mls_key_package = 5,
};

// uint16 ExtensionType;   (RFC 9420 §7.2, §17.3) Open: unknown and GREASE
// extensions must be carried and ignored.
enum class ExtensionType : std::uint16_t {
  application_id = 1,
  ratchet_tree = 2,
  required_capabilities = 3,
  external_pub = 4,
  external_senders = 5,
};

// uint16 ProposalType;   (RFC 9420 §12.1, §17.4) Open as a capability value;
// Proposal itself rejects types it cannot parse.
enum class ProposalType : std::uint16_t {
  add = 1,
  update = 2,
  remove = 3,
  psk = 4,
  reinit = 5,
  external_init = 6,
  group_context_extensions = 7,
};

// uint16 CredentialType;   (RFC 9420 §5.3, §17.5) Open.
enum class CredentialType : std::uint16_t { basic = 1, x509 = 2 };

// enum { reserved(0), key_package(1), update(2), commit(3), (255) } LeafNodeSource;
// (RFC 9420 §7.2) Closed.
enum class LeafNodeSource : std::uint8_t { key_package = 1, update = 2, commit = 3 };
inline bool tls_enum_valid(LeafNodeSource s) {
  return s >= LeafNodeSource::key_package && s <= LeafNodeSource::commit;
}

// enum { reserved(0), leaf(1), parent(2), (255) } NodeType;   (RFC 9420 §7.8) Closed.
enum class NodeType : std::uint8_t { leaf = 1, parent = 2 };
inline bool tls_enum_valid(NodeType t) {
  return t == NodeType::leaf || t == NodeType::parent;
}

// enum { reserved(0), external(1), resumption(2), (255) } PSKType;   (RFC 9420 §8.4)
enum class PSKType : std::uint8_t { external = 1, resumption = 2 };
inline bool tls_enum_valid(PSKType t) {
  return t == PSKType::external || t == PSKType::resumption;
}

// enum { reserved(0), application(1), reinit(2), branch(3), (255) }
// ResumptionPSKUsage;   (RFC 9420 §8.4)
enum class ResumptionPSKUsage : std::uint8_t { application = 1, reinit = 2, branch = 3 };
inline bool tls_enum_valid(ResumptionPSKUsage u) {
  return u >= ResumptionPSKUsage::application && u <= ResumptionPSKUsage::branch;
}

// enum { reserved(0), proposal(1), reference(2), (255) } ProposalOrRefType;
// (RFC 9420 §12.4)
enum class ProposalOrRefType : std::uint8_t { proposal = 1, reference = 2 };
inline bool tls_enum_valid(ProposalOrRefType t) {
  return t == ProposalOrRefType::proposal || t == ProposalOrRefType::reference;
}

// opaque HPKEPublicKey<V>;  opaque SignaturePublicKey<V>;   (RFC 9420 §5.1.1)
using HPKEPublicKey = Bytes;
using SignaturePublicKey = Bytes;

// opaque HashReference<V>; HashReference KeyPackageRef; HashReference ProposalRef;
// (RFC 9420 §5.2)
using KeyPackageRef = Bytes;
using ProposalRef = Bytes;

// opaque MAC<V>;   (RFC 9420 §6.1)
using MAC = Bytes;

// HPKECiphertext (RFC 9420 §7.6) is declared with the labeled HPKE operations in
// ztm/mls/cipher_suite.h, included above.

}  // namespace ztm::mls
