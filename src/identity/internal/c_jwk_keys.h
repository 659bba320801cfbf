// c_jwk_keys: public keys from JWKs (RFC 7518 §6.2 EC P-256, §6.3 RSA) as OpenSSL
// keys, and SHA-256 signature checks with them — for ID tokens (RS256/ES256 from an
// IdP's JWKS) and RS256 ACME account keys. ES256/EdDSA account keys go through
// ztm/identity/jws.h.
#pragma once

#include <nlohmann/json.hpp>

#include "internal/c_openssl.h"
#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::identity::internal {

// kMinRsaBits is the smallest RSA modulus we accept (NIST SP 800-57).
inline constexpr int kMinRsaBits = 2048;

// rsa_from_jwk imports {"kty":"RSA","n","e"}; moduli under kMinRsaBits are invalid_key.
Result<PkeyPtr> rsa_from_jwk(const nlohmann::json& jwk);
// ec_p256_from_jwk imports {"kty":"EC","crv":"P-256","x","y"}, checking the point.
Result<PkeyPtr> ec_p256_from_jwk(const nlohmann::json& jwk);
// verify_sha256 checks an RSASSA-PKCS1-v1_5 signature (RSA keys) or a DER ECDSA
// signature (EC keys) over message with SHA-256.
bool verify_sha256(EVP_PKEY* key, ByteView message, ByteView signature);

}  // namespace ztm::identity::internal
