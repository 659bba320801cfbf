// The MLS cipher suites (RFC 9420 §17.1) mapped to ztmeet's primitives.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ztm/base/error.h"
#include "ztm/crypto/aead.h"
#include "ztm/crypto/hash.h"
#include "ztm/crypto/hpke.h"
#include "ztm/crypto/kem.h"
#include "ztm/crypto/signature.h"

namespace ztm::crypto {

struct MlsCipherSuite {
  std::uint16_t id;       // the IANA value, 1..7
  std::string_view name;  // e.g. "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"
  KemId kem;
  HashId hash;  // also the KDF (HKDF with this hash)
  AeadId aead;
  SignatureScheme signature;

  HpkeSuite hpke() const { return {kem, hash, aead}; }
};

// mls_cipher_suite looks a suite up by its IANA value; unknown is unsupported.
Result<const MlsCipherSuite*> mls_cipher_suite(std::uint16_t id);

// mls_cipher_suites lists every suite ztmeet supports (1..7).
std::span<const MlsCipherSuite> mls_cipher_suites();

}  // namespace ztm::crypto
