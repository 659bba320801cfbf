// ClientIdentity: what `ztmeet join` loads before it connects — the MLS signature
// key and its certificate chain as `ztmeet enroll` stores them (signature-key.pem,
// chain.pem; see ztm/identity/enrollment.h), and the trust anchors the client
// validates every other member against (docs/identity.md, "Trust model").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/trust_store.h"
#include "ztm/identity/validator.h"

namespace ztm::client {

// ClientIdentity owns the signature key (zeroized with it) and the parsed chain.
struct ClientIdentity {
  crypto::SignaturePrivateKey signature_key;
  std::vector<identity::Certificate> chain;  // leaf first
  std::vector<Bytes> chain_der;              // the same, as the MLS x509 Credential carries it
  identity::Identity identity;               // the leaf's one SAN (email, device, service)
  identity::TrustStore trust;
  // own_status is how the client's own credential validates against its own anchors
  // (a client refuses to join with a credential its own policy would refuse).
  identity::ValidationResult own_status;
};

// IdentityFiles names where the identity lives. key_file and chain_file default to
// <dir>/signature-key.pem and <dir>/chain.pem.
struct IdentityFiles {
  std::filesystem::path dir;
  std::filesystem::path key_file;
  std::filesystem::path chain_file;
  // anchors in the command-line form of identity::AnchorSpec
  // ("org:<organization>:<domain,...>:<ca.pem>" or "provider:<ca.pem>").
  std::vector<std::string> anchors;
};

// load_client_identity reads and checks everything: the key file must not be
// readable by group or others (it holds a secret), the chain's leaf must follow the
// ztmeet profile and certify exactly this key, the key must be of the suite's
// signature scheme, and at least one anchor must be given. Errors name the file.
Result<ClientIdentity> load_client_identity(const IdentityFiles& files, std::uint16_t cipher_suite);

}  // namespace ztm::client
