// Private helpers for the NIST curves P-256, P-384 and P-521, shared by ECDSA
// (signature.cc) and the DHKEMs (kem.cc). Both use the same encodings: public keys
// as uncompressed points (SEC1 §2.3.3, 0x04 || X || Y) and private keys as the
// big-endian scalar padded to the order's byte length.
#pragma once

#include <cstddef>

#include "internal/openssl.h"
#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::crypto::internal {

struct EcCurve {
  const char* group_name;  // OpenSSL's name: "P-256", "P-384", "P-521"
  int nid;
  std::size_t scalar_size;      // 32, 48, 66
  std::size_t coordinate_size;  // 32, 48, 66
  std::size_t point_size() const { return 1 + 2 * coordinate_size; }
};

extern const EcCurve kP256;
extern const EcCurve kP384;
extern const EcCurve kP521;

// ec_public_key imports an uncompressed point; anything else (compressed, the
// point at infinity, a point off the curve) is invalid_key.
Result<PkeyPtr> ec_public_key(const EcCurve& curve, ByteView point);

// ec_private_key imports a scalar of exactly scalar_size bytes; 0 or >= the group
// order is invalid_key. The public point is computed from it.
Result<PkeyPtr> ec_private_key(const EcCurve& curve, ByteView scalar);

// ec_generate makes a fresh key pair on curve.
Result<PkeyPtr> ec_generate(const EcCurve& curve);

// ec_encode_public returns the uncompressed point of key (whatever form OpenSSL
// holds it in).
Result<Bytes> ec_encode_public(const EcCurve& curve, const EVP_PKEY* key);

// ec_encode_private returns the padded scalar of key.
Result<SecretBytes> ec_encode_private(const EcCurve& curve, const EVP_PKEY* key);

// ec_curve_of says which of our curves key is on; nullptr if none.
const EcCurve* ec_curve_of(const EVP_PKEY* key);

}  // namespace ztm::crypto::internal
