// SFrame key derivation (RFC 9605 §4.4.2).
#pragma once

#include <cstdint>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/sframe/cipher_suite.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe {

// KeyAndSalt is the per-KID key material: AEAD.Nk bytes of sframe_key and AEAD.Nn
// bytes of sframe_salt. Both are secrets and wiped when this is destroyed.
struct KeyAndSalt {
  SecretBytes key;
  SecretBytes salt;
};

// derive_key_salt is RFC 9605 §4.4.2:
//
//   sframe_secret = HKDF-Extract("", base_key)
//   sframe_key  = HKDF-Expand(sframe_secret,
//                   "SFrame 1.0 Secret key " + KID + cipher_suite, AEAD.Nk)
//   sframe_salt = HKDF-Expand(sframe_secret,
//                   "SFrame 1.0 Secret salt " + KID + cipher_suite, AEAD.Nn)
//
// with KID as an 8-byte and cipher_suite as a 2-byte big-endian integer, so the
// key is bound to both. base_key may be of any non-zero length.
Result<KeyAndSalt> derive_key_salt(CipherSuite suite, KeyId kid, const SecretBytes& base_key);

}  // namespace ztm::sframe
