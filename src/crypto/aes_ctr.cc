// Raw AES-CTR for SFrame's AES-CTR-HMAC suites (RFC 9605 §4.5.1): one keyed
// context, re-initialized with each frame's counter block.
#include <openssl/evp.h>

#include "internal/openssl.h"
#include "ztm/crypto/aead.h"

namespace ztm::crypto {

struct AesCtrKey::Impl {
  internal::CipherCtxPtr ctx;
};

Result<AesCtrKey> AesCtrKey::create(ByteView key) {
  const char* name = nullptr;
  switch (key.size()) {
    case 16:
      name = "AES-128-CTR";
      break;
    case 24:
      name = "AES-192-CTR";
      break;
    case 32:
      name = "AES-256-CTR";
      break;
    default:
      return fail(Errc::invalid_key, "AesCtrKey: key must be 16, 24 or 32 bytes");
  }
  // Fetched per key (not per frame): the cipher object is reference counted by ctx.
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) return internal::openssl_fail(Errc::crypto_failure, "fetch AES-CTR");
  AesCtrKey k;
  k.impl_ = std::make_unique<Impl>();
  k.impl_->ctx.reset(EVP_CIPHER_CTX_new());
  const bool ok_init = k.impl_->ctx && EVP_EncryptInit_ex(k.impl_->ctx.get(), cipher, nullptr,
                                                          key.data(), nullptr) == 1;
  EVP_CIPHER_free(cipher);
  if (!ok_init) return internal::openssl_fail(Errc::crypto_failure, "AesCtrKey: cipher init");
  return k;
}

AesCtrKey::~AesCtrKey() = default;
AesCtrKey::AesCtrKey(AesCtrKey&&) noexcept = default;
AesCtrKey& AesCtrKey::operator=(AesCtrKey&&) noexcept = default;

Result<MutableByteView> AesCtrKey::crypt(ByteView iv, ByteView in, MutableByteView out) const {
  if (!impl_) return fail(Errc::invalid_state, "AesCtrKey: moved-from");
  if (iv.size() != 16)
    return fail(Errc::invalid_argument, "AES-CTR: counter block must be 16 bytes");
  if (out.size() < in.size()) return fail(Errc::buffer_too_small, "AES-CTR: output too small");
  if (!internal::fits_int(in.size()))
    return fail(Errc::invalid_argument, "AES-CTR: input too large");
  if (!in.empty() && in.data() != out.data() && out.data() < in.data() + in.size() &&
      in.data() < out.data() + in.size()) {
    return fail(Errc::invalid_argument, "AES-CTR: output overlaps input at an offset");
  }
  EVP_CIPHER_CTX* ctx = impl_->ctx.get();
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "AES-CTR: set counter");
  }
  int len = 0;
  if (!in.empty() &&
      (EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
       static_cast<std::size_t>(len) != in.size())) {
    return internal::openssl_fail(Errc::crypto_failure, "AES-CTR: encrypt");
  }
  return out.first(in.size());
}

}  // namespace ztm::crypto
