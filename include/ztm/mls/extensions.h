// Typed contents of the MLS extensions ztmeet understands (RFC 9420 §5.3.3, §11.1,
// §12.1.8.1, §12.4.3.2). Each has kType so that ExtensionList::get<T>() and put<T>()
// find it; the ratchet_tree extension is RatchetTree::decode/encode.
#pragma once

#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/credential.h"
#include "ztm/mls/messages/leaf_node.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// opaque application_id<V>;   (RFC 9420 §5.3.3) LeafNode extension.
struct ApplicationIdExtension {
  static constexpr ExtensionType kType = ExtensionType::application_id;
  Bytes application_id;
  ZTM_TLS_FIELDS(application_id)
  bool operator==(const ApplicationIdExtension&) const = default;
};

// struct {
//     ExtensionType extension_types<V>;
//     ProposalType proposal_types<V>;
//     CredentialType credential_types<V>;
// } RequiredCapabilities;   (RFC 9420 §11.1) GroupContext extension.
// Each list holds at most limits::kMaxCapabilityEntries entries.
struct RequiredCapabilitiesExtension {
  static constexpr ExtensionType kType = ExtensionType::required_capabilities;
  std::vector<ExtensionType> extension_types;
  std::vector<ProposalType> proposal_types;
  std::vector<CredentialType> credential_types;

  // satisfied_by checks that capabilities list every required type; the error is
  // protocol_violation "leaf_node.missing_required_capability".
  Result<void> satisfied_by(const Capabilities& capabilities) const;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const RequiredCapabilitiesExtension&) const = default;
};

// struct { HPKEPublicKey external_pub; } ExternalPub;   (RFC 9420 §12.4.3.2)
// GroupInfo extension.
struct ExternalPubExtension {
  static constexpr ExtensionType kType = ExtensionType::external_pub;
  HPKEPublicKey external_pub;
  ZTM_TLS_FIELDS(external_pub)
  bool operator==(const ExternalPubExtension&) const = default;
};

// struct { SignaturePublicKey signature_key; Credential credential; } ExternalSender;
// (RFC 9420 §12.1.8.1)
struct ExternalSender {
  SignaturePublicKey signature_key;
  Credential credential;
  ZTM_TLS_FIELDS(signature_key, credential)
  bool operator==(const ExternalSender&) const = default;
};

// ExternalSender external_senders<V>;   (RFC 9420 §12.1.8.1) GroupContext extension.
// At most limits::kMaxExternalSenders entries.
struct ExternalSendersExtension {
  static constexpr ExtensionType kType = ExtensionType::external_senders;
  std::vector<ExternalSender> senders;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const ExternalSendersExtension&) const = default;
};

}  // namespace ztm::mls
