#include "internal/stun_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

#include <memory>

namespace ztm::net::internal {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// The HMAC implementation is fetched once: fetching takes a provider lock.
EVP_MAC* hmac_algorithm() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

}  // namespace

Result<std::array<std::uint8_t, 20>> hmac_sha1(ByteView key,
                                               std::initializer_list<ByteView> parts) {
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return fail(Errc::crypto_failure, "stun: HMAC unavailable");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return fail(Errc::crypto_failure, "stun: EVP_MAC_CTX_new failed");
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // An empty key is legal HMAC input; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t empty = 0;
  const std::uint8_t* key_data = key.empty() ? &empty : key.data();
  if (EVP_MAC_init(ctx.get(), key_data, key.size(), params) != 1) {
    return fail(Errc::crypto_failure, "stun: HMAC-SHA1 init failed");
  }
  for (ByteView part : parts) {
    if (!part.empty() && EVP_MAC_update(ctx.get(), part.data(), part.size()) != 1) {
      return fail(Errc::crypto_failure, "stun: HMAC-SHA1 update failed");
    }
  }
  std::array<std::uint8_t, 20> out{};
  std::size_t out_size = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &out_size, out.size()) != 1 || out_size != 20) {
    return fail(Errc::crypto_failure, "stun: HMAC-SHA1 final failed");
  }
  return out;
}

std::uint32_t crc32(std::initializer_list<ByteView> parts) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  for (ByteView part : parts) {
    crc = ::crc32(crc, part.data(), static_cast<uInt>(part.size()));
  }
  return static_cast<std::uint32_t>(crc);
}

}  // namespace ztm::net::internal
