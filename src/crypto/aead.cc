// AEAD keys over EVP_CIPHER. create() keys an encryption and/or a decryption
// context (AeadUse); seal/open only set the nonce on them (EVP_*Init_ex with every other
// argument null keeps the expanded key), so a call allocates nothing.
#include "ztm/crypto/aead.h"

#include <openssl/crypto.h>

#include "internal/openssl.h"

namespace ztm::crypto {

namespace {
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kNonceSize = 12;
}  // namespace

std::size_t aead_key_size(AeadId id) {
  switch (id) {
    case AeadId::aes128gcm:
      return 16;
    case AeadId::aes256gcm:
    case AeadId::chacha20poly1305:
      return 32;
    case AeadId::export_only:
      return 0;
  }
  return 0;
}

std::size_t aead_nonce_size(AeadId id) {
  return id == AeadId::export_only ? 0 : kNonceSize;
}

std::size_t aead_tag_size(AeadId id) {
  return id == AeadId::export_only ? 0 : kTagSize;
}

struct AeadKey::Impl {
  AeadId id;
  internal::CipherCtxPtr enc;
  internal::CipherCtxPtr dec;
};

Result<AeadKey> AeadKey::create(AeadId id, ByteView key, AeadUse use) {
  const EVP_CIPHER* cipher = internal::evp_aead_cipher(id);
  if (cipher == nullptr) return fail(Errc::unsupported, "AeadKey: no cipher for this AEAD id");
  if (key.size() != aead_key_size(id)) {
    return fail(Errc::invalid_key, "AeadKey: key is " + std::to_string(key.size()) +
                                       " bytes, expected " + std::to_string(aead_key_size(id)));
  }
  AeadKey k;
  k.impl_ = std::make_unique<Impl>();
  k.impl_->id = id;
  if (use != AeadUse::open_only) {
    k.impl_->enc.reset(EVP_CIPHER_CTX_new());
    if (!k.impl_->enc ||
        EVP_EncryptInit_ex(k.impl_->enc.get(), cipher, nullptr, key.data(), nullptr) != 1) {
      return internal::openssl_fail(Errc::crypto_failure, "AeadKey: cipher init (seal)");
    }
  }
  if (use != AeadUse::seal_only) {
    k.impl_->dec.reset(EVP_CIPHER_CTX_new());
    if (!k.impl_->dec ||
        EVP_DecryptInit_ex(k.impl_->dec.get(), cipher, nullptr, key.data(), nullptr) != 1) {
      return internal::openssl_fail(Errc::crypto_failure, "AeadKey: cipher init (open)");
    }
  }
  return k;
}

AeadKey::~AeadKey() = default;
AeadKey::AeadKey(AeadKey&&) noexcept = default;
AeadKey& AeadKey::operator=(AeadKey&&) noexcept = default;

AeadId AeadKey::id() const {
  return impl_->id;
}

namespace {

// check_alias accepts out that is disjoint from in or starts exactly at it: OpenSSL
// handles exact in-place operation, but not a shifted overlap.
bool bad_alias(ByteView in, MutableByteView out) {
  if (in.empty() || out.empty()) return false;
  const auto* i = in.data();
  const auto* o = out.data();
  if (i == o) return false;
  return o < i + in.size() && i < o + out.size();
}

}  // namespace

Result<MutableByteView> AeadKey::seal(ByteView nonce, ByteView aad, ByteView plaintext,
                                      MutableByteView out) const {
  if (!impl_) return fail(Errc::invalid_state, "AeadKey: moved-from");
  if (!impl_->enc) return fail(Errc::invalid_state, "AeadKey: created for opening only");
  if (nonce.size() != kNonceSize)
    return fail(Errc::invalid_argument, "AEAD: nonce must be 12 bytes");
  if (!internal::fits_int(aad.size()) || !internal::fits_int(plaintext.size() + kTagSize)) {
    return fail(Errc::invalid_argument, "AEAD: input too large");
  }
  const std::size_t total = plaintext.size() + kTagSize;
  if (out.size() < total) return fail(Errc::buffer_too_small, "AEAD seal: output too small");
  if (bad_alias(plaintext, out.first(plaintext.size()))) {
    return fail(Errc::invalid_argument, "AEAD seal: output overlaps input at an offset");
  }
  EVP_CIPHER_CTX* ctx = impl_->enc.get();
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AEAD seal: set nonce");
  }
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AEAD seal: aad");
  }
  std::size_t written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      return internal::openssl_fail(Errc::crypto_failure, "AEAD seal: encrypt");
    }
    written = static_cast<std::size_t>(len);
  }
  if (EVP_EncryptFinal_ex(ctx, out.data() + written, &len) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AEAD seal: final");
  }
  written += static_cast<std::size_t>(len);
  if (written != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTagSize, out.data() + written) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AEAD seal: tag");
  }
  return out.first(total);
}

Result<MutableByteView> AeadKey::open(ByteView nonce, ByteView aad, ByteView ciphertext,
                                      MutableByteView out) const {
  if (!impl_) return fail(Errc::invalid_state, "AeadKey: moved-from");
  if (!impl_->dec) return fail(Errc::invalid_state, "AeadKey: created for sealing only");
  if (nonce.size() != kNonceSize)
    return fail(Errc::invalid_argument, "AEAD: nonce must be 12 bytes");
  if (ciphertext.size() < kTagSize) {
    return fail(Errc::authentication_failed, "AEAD open: ciphertext shorter than the tag");
  }
  if (!internal::fits_int(aad.size()) || !internal::fits_int(ciphertext.size())) {
    return fail(Errc::invalid_argument, "AEAD: input too large");
  }
  const std::size_t body = ciphertext.size() - kTagSize;
  if (out.size() < body) return fail(Errc::buffer_too_small, "AEAD open: output too small");
  const ByteView sealed = ciphertext.first(body);
  const ByteView tag = ciphertext.subspan(body);
  if (bad_alias(sealed, out.first(body)) || bad_alias(tag, out.first(body))) {
    return fail(Errc::invalid_argument, "AEAD open: output overlaps input at an offset");
  }
  EVP_CIPHER_CTX* ctx = impl_->dec.get();
  int len = 0;
  // The expected tag is copied into the context before decryption starts, so an
  // in-place open may overwrite the ciphertext freely.
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTagSize,
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AEAD open: set nonce and tag");
  }
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AEAD open: aad");
  }
  std::size_t written = 0;
  if (body != 0) {
    if (EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data(), static_cast<int>(body)) != 1) {
      OPENSSL_cleanse(out.data(), body);
      return internal::openssl_fail(Errc::crypto_failure, "AEAD open: decrypt");
    }
    written = static_cast<std::size_t>(len);
  }
  if (EVP_DecryptFinal_ex(ctx, out.data() + written, &len) != 1) {
    // Unauthenticated plaintext must never reach the caller.
    if (body != 0) OPENSSL_cleanse(out.data(), body);
    return internal::openssl_fail(Errc::authentication_failed, "AEAD open: tag mismatch");
  }
  return out.first(body);
}

Result<Bytes> AeadKey::seal(ByteView nonce, ByteView aad, ByteView plaintext) const {
  Bytes out(plaintext.size() + kTagSize);
  ZTM_TRY(seal(nonce, aad, plaintext, MutableByteView(out)));
  return out;
}

Result<Bytes> AeadKey::open(ByteView nonce, ByteView aad, ByteView ciphertext) const {
  if (ciphertext.size() < kTagSize) {
    return fail(Errc::authentication_failed, "AEAD open: ciphertext shorter than the tag");
  }
  Bytes out(ciphertext.size() - kTagSize);
  ZTM_TRY(open(nonce, aad, ciphertext, MutableByteView(out)));
  return out;
}

}  // namespace ztm::crypto
