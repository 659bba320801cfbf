// SFrame cipher suites (RFC 9605 §4.5, registry in §8.1) and their constants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ztm/base/error.h"
#include "ztm/crypto/hash.h"

namespace ztm::sframe {

// CipherSuite is the 2-byte SFrame cipher suite identifier (RFC 9605 §8.1).
enum class CipherSuite : std::uint16_t {
  aes_128_ctr_hmac_sha256_80 = 0x0001,
  aes_128_ctr_hmac_sha256_64 = 0x0002,
  aes_128_ctr_hmac_sha256_32 = 0x0003,
  aes_128_gcm_sha256_128 = 0x0004,
  aes_256_gcm_sha512_128 = 0x0005,
};

// SuiteInfo holds the constants of RFC 9605 §4.5, table "SFrame Cipher Suite
// Constants":
//
//   | Name                       | Nh | Nka | Nk | Nn | Nt |
//   | AES_128_CTR_HMAC_SHA256_80 | 32 | 16  | 48 | 12 | 10 |
//   | AES_128_CTR_HMAC_SHA256_64 | 32 | 16  | 48 | 12 |  8 |
//   | AES_128_CTR_HMAC_SHA256_32 | 32 | 16  | 48 | 12 |  4 |
//   | AES_128_GCM_SHA256_128     | 32 | n/a | 16 | 12 | 16 |
//   | AES_256_GCM_SHA512_128     | 64 | n/a | 32 | 12 | 16 |
struct SuiteInfo {
  CipherSuite suite;
  std::string_view name;  // the RFC's name, e.g. "AES_128_GCM_SHA256_128"
  crypto::HashId hash;    // for HKDF, and for HMAC in the CTR suites
  std::size_t nh;         // Hash.Nh
  std::size_t nka;        // AEAD.Nka: AES key inside the CTR+HMAC key (0 for GCM)
  std::size_t nk;         // AEAD.Nk
  std::size_t nn;         // AEAD.Nn
  std::size_t nt;         // AEAD.Nt: tag bytes added to each frame
  bool ctr_hmac;          // the compound AES-CTR + HMAC AEAD of §4.5.1
};

// suite_info returns the constants of a suite, or unsupported for any other value
// (0x0000, private-use values, values registered after RFC 9605).
Result<SuiteInfo> suite_info(CipherSuite suite);

// all_cipher_suites lists the five suites of RFC 9605, in registry order.
inline constexpr CipherSuite all_cipher_suites[] = {
    CipherSuite::aes_128_ctr_hmac_sha256_80, CipherSuite::aes_128_ctr_hmac_sha256_64,
    CipherSuite::aes_128_ctr_hmac_sha256_32, CipherSuite::aes_128_gcm_sha256_128,
    CipherSuite::aes_256_gcm_sha512_128,
};

}  // namespace ztm::sframe
