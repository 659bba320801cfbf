// GroupInfo and Welcome (RFC 9420 §12.4.3).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/extension.h"
#include "ztm/mls/messages/group_context.h"
#include "ztm/mls/messages/proposals.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct {
//     GroupContext group_context;
//     Extension extensions<V>;
//     MAC confirmation_tag;
//     uint32 signer;
// } GroupInfoTBS;   (RFC 9420 §12.4.3)
struct GroupInfoTBS {
  GroupContext group_context;
  ExtensionList extensions;
  MAC confirmation_tag;
  std::uint32_t signer = 0;
  ZTM_TLS_FIELDS(group_context, extensions, confirmation_tag, signer)
  bool operator==(const GroupInfoTBS&) const = default;
};

// struct {
//     GroupContext group_context;
//     Extension extensions<V>;
//     MAC confirmation_tag;
//     uint32 signer;
//     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
//     opaque signature<V>;
// } GroupInfo;   (RFC 9420 §12.4.3)
struct GroupInfo {
  GroupContext group_context;
  ExtensionList extensions;
  MAC confirmation_tag;
  std::uint32_t signer = 0;
  Bytes signature;
  ZTM_TLS_FIELDS(group_context, extensions, confirmation_tag, signer, signature)

  // to_be_signed encodes the GroupInfoTBS (every field but the signature).
  Bytes to_be_signed() const;
  bool operator==(const GroupInfo&) const = default;
};

// struct { opaque path_secret<V>; } PathSecret;   (RFC 9420 §12.4.3.1)
struct PathSecret {
  SecretBytes path_secret;
  ZTM_TLS_FIELDS(path_secret)
  bool operator==(const PathSecret&) const = default;
};

// struct {
//   opaque joiner_secret<V>;
//   optional<PathSecret> path_secret;
//   PreSharedKeyID psks<V>;
// } GroupSecrets;   (RFC 9420 §12.4.3.1)
// At most limits::kMaxPsks PSKs decode.
struct GroupSecrets {
  SecretBytes joiner_secret;
  std::optional<PathSecret> path_secret;
  std::vector<PreSharedKeyID> psks;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const GroupSecrets&) const = default;
};

// struct {
//   KeyPackageRef new_member;
//   HPKECiphertext encrypted_group_secrets;
// } EncryptedGroupSecrets;   (RFC 9420 §12.4.3.1)
struct EncryptedGroupSecrets {
  KeyPackageRef new_member;
  HPKECiphertext encrypted_group_secrets;
  ZTM_TLS_FIELDS(new_member, encrypted_group_secrets)
  bool operator==(const EncryptedGroupSecrets&) const = default;
};

// struct {
//   CipherSuite cipher_suite;
//   EncryptedGroupSecrets secrets<V>;
//   opaque encrypted_group_info<V>;
// } Welcome;   (RFC 9420 §12.4.3.1)
// At most limits::kMaxWelcomeSecrets entries decode.
struct Welcome {
  CipherSuiteId cipher_suite = 0;
  std::vector<EncryptedGroupSecrets> secrets;
  Bytes encrypted_group_info;

  // find returns the entry for a KeyPackageRef, or nullptr.
  const EncryptedGroupSecrets* find(ByteView key_package_ref) const;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Welcome&) const = default;
};

}  // namespace ztm::mls
