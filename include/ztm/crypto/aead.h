// AEAD ciphers (AES-GCM, ChaCha20-Poly1305) over OpenSSL 3 EVP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::crypto {

// AeadId uses the HPKE AEAD ids (RFC 9180 §7.3). export_only has no cipher.
enum class AeadId : std::uint16_t {
  aes128gcm = 0x0001,
  aes256gcm = 0x0002,
  chacha20poly1305 = 0x0003,
  export_only = 0xffff,
};

std::size_t aead_key_size(AeadId id);    // Nk: 16 or 32
std::size_t aead_nonce_size(AeadId id);  // Nn: 12
std::size_t aead_tag_size(AeadId id);    // Nt: 16

// AeadKey is a cipher keyed once. seal and open only set the nonce on the
// prepared OpenSSL contexts, so a call allocates nothing. This is the primitive:
// it takes a nonce, and the protocols above it (SFrame, MLS, HPKE) own their nonce
// sequences so that their own APIs never do. One AeadKey is not safe for use from
// two threads at once.
// AeadUse says which directions an AeadKey prepares: each direction keys its own
// OpenSSL context, so a key used one way only (an HPKE sender or receiver
// context) skips half the setup. Using a direction not prepared is invalid_state.
enum class AeadUse : std::uint8_t { seal_and_open, seal_only, open_only };

class AeadKey {
 public:
  // create fails with invalid_key if key is not aead_key_size(id) bytes.
  static Result<AeadKey> create(AeadId id, ByteView key, AeadUse use = AeadUse::seal_and_open);
  ~AeadKey();
  AeadKey(AeadKey&&) noexcept;
  AeadKey& operator=(AeadKey&&) noexcept;

  AeadId id() const;

  // seal encrypts plaintext and writes ciphertext || tag into out, which needs
  // plaintext.size() + tag size bytes; out may alias plaintext exactly (in place).
  Result<MutableByteView> seal(ByteView nonce, ByteView aad, ByteView plaintext,
                               MutableByteView out) const;
  // open verifies and decrypts ciphertext || tag into out, which needs
  // ciphertext.size() - tag size bytes; out may alias ciphertext exactly. On a bad
  // tag it fails with authentication_failed and out holds no plaintext.
  Result<MutableByteView> open(ByteView nonce, ByteView aad, ByteView ciphertext,
                               MutableByteView out) const;

  // Convenience forms that return owned bytes (handshake paths, not media).
  Result<Bytes> seal(ByteView nonce, ByteView aad, ByteView plaintext) const;
  Result<Bytes> open(ByteView nonce, ByteView aad, ByteView ciphertext) const;

 private:
  AeadKey() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// AesCtrKey is raw AES-CTR (no authentication), keyed once, for SFrame's
// AES-CTR-HMAC suites (RFC 9605 §4.5.1). crypt() both encrypts and decrypts.
class AesCtrKey {
 public:
  // create accepts 16-, 24- or 32-byte keys.
  static Result<AesCtrKey> create(ByteView key);
  ~AesCtrKey();
  AesCtrKey(AesCtrKey&&) noexcept;
  AesCtrKey& operator=(AesCtrKey&&) noexcept;

  // crypt XORs the keystream for the 16-byte initial counter block iv into out
  // (same size as in; may alias in exactly).
  Result<MutableByteView> crypt(ByteView iv, ByteView in, MutableByteView out) const;

 private:
  AesCtrKey() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::crypto
