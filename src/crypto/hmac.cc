// HMAC over EVP_MAC. HmacKey keeps one keyed EVP_MAC_CTX and re-initializes it
// without a key for each message, which reuses the key schedule and allocates nothing.
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "internal/openssl.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto {

struct HmacKey::Impl {
  HashId id;
  internal::MacCtxPtr ctx;
};

Result<HmacKey> HmacKey::create(HashId id, ByteView key) {
  HmacKey k;
  k.impl_ = std::make_unique<Impl>();
  k.impl_->id = id;
  k.impl_->ctx.reset(EVP_MAC_CTX_new(internal::evp_hmac()));
  if (!k.impl_->ctx) return internal::openssl_fail(Errc::crypto_failure, "EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(internal::md_name(id)), 0),
      OSSL_PARAM_construct_end(),
  };
  // An empty key is a valid HMAC key (RFC 2104 pads it with zeros); OpenSSL needs a
  // non-null pointer to take it as "set the key" rather than "keep the old one".
  static const std::uint8_t empty_key = 0;
  const std::uint8_t* key_data = key.empty() ? &empty_key : key.data();
  if (EVP_MAC_init(k.impl_->ctx.get(), key_data, key.size(), params) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_MAC_init");
  }
  return k;
}

HmacKey::~HmacKey() = default;
HmacKey::HmacKey(HmacKey&&) noexcept = default;
HmacKey& HmacKey::operator=(HmacKey&&) noexcept = default;

std::size_t HmacKey::size() const {
  return hash_size(impl_->id);
}

Result<MutableByteView> HmacKey::mac(std::initializer_list<ByteView> parts,
                                     MutableByteView out) const {
  if (!impl_) return fail(Errc::invalid_state, "HmacKey: moved-from");
  const std::size_t n = size();
  if (out.size() < n) return fail(Errc::buffer_too_small, "HmacKey::mac: output too small");
  EVP_MAC_CTX* ctx = impl_->ctx.get();
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_MAC_init");
  }
  for (ByteView part : parts) {
    if (part.empty()) continue;
    if (EVP_MAC_update(ctx, part.data(), part.size()) != 1) {
      return internal::openssl_fail(Errc::crypto_failure, "EVP_MAC_update");
    }
  }
  std::size_t len = 0;
  if (EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != n) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_MAC_final");
  }
  return out.first(n);
}

Bytes hmac(HashId id, ByteView key, ByteView data) {
  auto k = HmacKey::create(id, key);
  if (!k) internal::fatal("HMAC setup");
  Bytes out(hash_size(id));
  if (!k->mac({data}, out)) internal::fatal("HMAC");
  return out;
}

}  // namespace ztm::crypto
