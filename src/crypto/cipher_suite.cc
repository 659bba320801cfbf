// The MLS cipher suites (RFC 9420 §17.1, Table 6 of the IANA registry).
#include "ztm/crypto/cipher_suite.h"

#include <array>

namespace ztm::crypto {

namespace {

// RFC 9420 §17.1:
//   | Value  | Name                                                  |
//   | 0x0001 | MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519          |
//   | 0x0002 | MLS_128_DHKEMP256_AES128GCM_SHA256_P256               |
//   | 0x0003 | MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519   |
//   | 0x0004 | MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448              |
//   | 0x0005 | MLS_256_DHKEMP521_AES256GCM_SHA512_P521               |
//   | 0x0006 | MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448       |
//   | 0x0007 | MLS_256_DHKEMP384_AES256GCM_SHA384_P384               |
constexpr std::array<MlsCipherSuite, 7> kSuites = {{
    {1, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", KemId::dhkem_x25519_sha256, HashId::sha256,
     AeadId::aes128gcm, SignatureScheme::ed25519},
    {2, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", KemId::dhkem_p256_sha256, HashId::sha256,
     AeadId::aes128gcm, SignatureScheme::ecdsa_secp256r1_sha256},
    {3, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", KemId::dhkem_x25519_sha256,
     HashId::sha256, AeadId::chacha20poly1305, SignatureScheme::ed25519},
    {4, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", KemId::dhkem_x448_sha512, HashId::sha512,
     AeadId::aes256gcm, SignatureScheme::ed448},
    {5, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", KemId::dhkem_p521_sha512, HashId::sha512,
     AeadId::aes256gcm, SignatureScheme::ecdsa_secp521r1_sha512},
    {6, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", KemId::dhkem_x448_sha512, HashId::sha512,
     AeadId::chacha20poly1305, SignatureScheme::ed448},
    {7, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", KemId::dhkem_p384_sha384, HashId::sha384,
     AeadId::aes256gcm, SignatureScheme::ecdsa_secp384r1_sha384},
}};

}  // namespace

Result<const MlsCipherSuite*> mls_cipher_suite(std::uint16_t id) {
  for (const auto& suite : kSuites) {
    if (suite.id == id) return &suite;
  }
  return fail(Errc::unsupported, "MLS cipher suite " + std::to_string(id) + " is not supported");
}

std::span<const MlsCipherSuite> mls_cipher_suites() {
  return kSuites;
}

}  // namespace ztm::crypto
