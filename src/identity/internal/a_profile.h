// Profile checks shared by certificates and certificate requests.
#pragma once

#include <openssl/x509.h>

#include "ztm/identity/profile.h"

namespace ztm::identity::internal {

// identity_from_extensions applies the one-SAN rule to an extension list (of a
// certificate or of a CSR's extension request).
Result<Identity> identity_from_extensions(const STACK_OF(X509_EXTENSION) * extensions);

// profile_public_key encodes a leaf key of a profile type (Ed25519, Ed448, ECDSA
// P-256/384/521) in the RFC 9420 form; any other key is unsupported.
Result<crypto::EncodedPublicKey> profile_public_key(EVP_PKEY* key);

}  // namespace ztm::identity::internal
