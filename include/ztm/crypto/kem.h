// Diffie-Hellman key pairs for the HPKE DHKEMs (RFC 9180 §4.1, §7.1): X25519, X448,
// P-256, P-384, P-521, with HPKE's SerializePublicKey/SerializePrivateKey encodings
// (raw for X25519/X448; uncompressed points and big-endian scalars for NIST curves).
#pragma once

#include <cstdint>
#include <memory>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::crypto {

// KemId uses the HPKE KEM ids (RFC 9180 §7.1).
enum class KemId : std::uint16_t {
  dhkem_p256_sha256 = 0x0010,
  dhkem_p384_sha384 = 0x0011,
  dhkem_p521_sha512 = 0x0012,
  dhkem_x25519_sha256 = 0x0020,
  dhkem_x448_sha512 = 0x0021,
};

std::size_t kem_public_key_size(KemId id);   // Npk
std::size_t kem_private_key_size(KemId id);  // Nsk
std::size_t kem_secret_size(KemId id);       // Nsecret

// DhPrivateKey owns a DH private key; the public half is computed once.
class DhPrivateKey {
 public:
  static Result<DhPrivateKey> generate(KemId kem);
  // from_raw imports SerializePrivateKey output (checks range for NIST curves).
  static Result<DhPrivateKey> from_raw(KemId kem, ByteView raw);

  ~DhPrivateKey();
  DhPrivateKey(DhPrivateKey&&) noexcept;
  DhPrivateKey& operator=(DhPrivateKey&&) noexcept;
  DhPrivateKey(const DhPrivateKey&);
  DhPrivateKey& operator=(const DhPrivateKey&);

  KemId kem() const;
  // public_key is SerializePublicKey(pk).
  const Bytes& public_key() const;
  // dh computes the shared secret with a peer's serialized public key; a key that
  // is not on the curve, or a zero shared secret, is invalid_key.
  Result<SecretBytes> dh(ByteView peer_public_key) const;
  // export_raw returns SerializePrivateKey(sk).
  Result<SecretBytes> export_raw() const;

 private:
  DhPrivateKey() = default;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// validate_public_key checks that bytes are a valid serialized public key for kem.
Result<void> validate_public_key(KemId kem, ByteView public_key);

}  // namespace ztm::crypto
