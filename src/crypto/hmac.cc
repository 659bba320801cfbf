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
  k.impl_->ctx = internal::new_hmac(id, key);
  if (!k.impl_->ctx) return internal::openssl_fail(Errc::crypto_failure, "HMAC setup");
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
