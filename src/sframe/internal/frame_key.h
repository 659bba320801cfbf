// FrameKey: the keyed AEAD of one KID (RFC 9605 §4.4.3-§4.5), built once when the
// key is added so that each frame only sets a nonce on prepared OpenSSL contexts.
// Private to ztm_sframe: it takes a nonce, and the public contexts own the counters
// that nonces are made from.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/aead.h"
#include "ztm/crypto/hash.h"
#include "ztm/sframe/cipher_suite.h"
#include "ztm/sframe/context.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe::internal {

// Nonce is AEAD.Nn bytes; every RFC 9605 suite has Nn = 12.
using Nonce = std::array<std::uint8_t, 12>;

class FrameKey {
 public:
  // derive runs derive_key_salt (§4.4.2) for kid and keys the suite's AEAD.
  static Result<FrameKey> derive(CipherSuite suite, KeyId kid, const SecretBytes& base_key);
  // from_key_salt keys the AEAD from sframe_key (AEAD.Nk bytes) and sframe_salt.
  static Result<FrameKey> from_key_salt(CipherSuite suite, ByteView sframe_key,
                                        ByteView sframe_salt);

  ~FrameKey() {
    secure_zero(salt_.data(), salt_.size());
    secure_zero(&salt_tail_, sizeof salt_tail_);
  }
  FrameKey(FrameKey&&) noexcept = default;  // the source's salt is wiped by its destructor
  FrameKey& operator=(FrameKey&&) = delete;

  const SuiteInfo& info() const { return info_; }
  std::size_t tag_size() const { return info_.nt; }

  // nonce is sframe_salt XOR encode_big_endian(ctr, AEAD.Nn) (§4.4.3). The CTR is 64
  // bits, so only the last 8 of the 12 bytes change.
  Nonce nonce(Counter ctr) const {
    // One 64-bit XOR on the big-endian tail (a byte loop through memory stalled on
    // store forwarding, measurably, at this rate).
    Nonce n;
    std::uint64_t tail = salt_tail_ ^ ctr;
    if constexpr (std::endian::native == std::endian::little) tail = __builtin_bswap64(tail);
    std::memcpy(n.data(), salt_.data(), 4);
    std::memcpy(n.data() + 4, &tail, 8);
    return n;
  }

  // seal is AEAD.Encrypt(sframe_key, nonce, header || metadata, plaintext): it writes
  // plaintext.size() + Nt bytes to out, which may alias plaintext exactly. header is
  // at most max_header_size and metadata at most max_metadata_size bytes.
  Result<MutableByteView> seal(ByteView nonce, ByteView header, ByteView metadata,
                               ByteView plaintext, MutableByteView out) const {
    if (header.size() > max_header_size || metadata.size() > max_metadata_size) [[unlikely]] {
      return size_error(header, metadata);
    }
    if (gcm_) [[likely]] {
      const GcmAad aad(header, metadata);
      return gcm_->seal(nonce, aad.view, plaintext, out);
    }
    return ctr_hmac_seal(nonce, header, metadata, plaintext, out);
  }
  // open is AEAD.Decrypt: it checks the tag, then writes ciphertext.size() - Nt bytes
  // to out, which may alias ciphertext exactly. A bad tag is authentication_failed.
  Result<MutableByteView> open(ByteView nonce, ByteView header, ByteView metadata,
                               ByteView ciphertext, MutableByteView out) const {
    if (header.size() > max_header_size || metadata.size() > max_metadata_size) [[unlikely]] {
      return size_error(header, metadata);
    }
    if (gcm_) [[likely]] {
      const GcmAad aad(header, metadata);
      return gcm_->open(nonce, aad.view, ciphertext, out);
    }
    return ctr_hmac_open(nonce, header, metadata, ciphertext, out);
  }

  // same_key compares the key material in constant time (re-adding a KID).
  bool same_key(const FrameKey& other) const;

 private:
  FrameKey() = default;

  // GcmAad joins header || metadata for AeadKey, whose AAD is one span. The copy is
  // bounded (max_metadata_size) and skipped when there is no metadata.
  struct GcmAad {
    std::array<std::uint8_t, max_header_size + max_metadata_size> buffer;
    ByteView view;
    GcmAad(ByteView header, ByteView metadata) {
      if (metadata.empty()) {
        view = header;
        return;
      }
      std::memcpy(buffer.data(), header.data(), header.size());
      std::memcpy(buffer.data() + header.size(), metadata.data(), metadata.size());
      view = ByteView(buffer.data(), header.size() + metadata.size());
    }
  };

  // size_error reports a header or metadata longer than the AAD buffer allows.
  [[gnu::cold, gnu::noinline]] static tl::unexpected<Error> size_error(ByteView header,
                                                                       ByteView metadata);

  // The compound AEAD of §4.5.1 (AES-CTR, then HMAC over lengths, nonce, AAD, ct).
  Result<MutableByteView> ctr_hmac_seal(ByteView nonce, ByteView header, ByteView metadata,
                                        ByteView plaintext, MutableByteView out) const;
  Result<MutableByteView> ctr_hmac_open(ByteView nonce, ByteView header, ByteView metadata,
                                        ByteView ciphertext, MutableByteView out) const;

  SuiteInfo info_{};
  SecretBytes key_;                       // kept only to compare keys when a KID is re-added
  Nonce salt_{};                          // read on every frame: inline, wiped by the destructor
  std::uint64_t salt_tail_ = 0;           // salt_[4..12) as a big-endian integer
  std::optional<crypto::AeadKey> gcm_;    // GCM suites
  std::optional<crypto::AesCtrKey> ctr_;  // CTR+HMAC suites: enc_key
  std::optional<crypto::HmacKey> hmac_;   // CTR+HMAC suites: auth_key
};

}  // namespace ztm::sframe::internal
