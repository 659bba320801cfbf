// HKDF (RFC 5869) composed from HMAC (EVP_MAC), so that callers (HPKE, MLS) can
// build their labeled variants on top.
//
// Why not OpenSSL's EVP_KDF "HKDF": in OpenSSL 3.0 every call creates a provider
// context, looks the digest up by name and runs HMAC through fresh contexts, which
// costs about four times the HMAC work for the 32-byte inputs HPKE and MLS use. An
// UpdatePath to 1 000 members makes ~9 000 such calls. Both steps are one HMAC
// each for outputs up to HashLen, so they are composed here from a pre-configured
// HMAC context (internal::new_hmac); OpenSSL still computes every HMAC.
#include <openssl/crypto.h>

#include <algorithm>

#include "internal/openssl.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto {

namespace {

// kMaxHash is the largest HashLen (SHA-512).
constexpr std::size_t kMaxHash = 64;

// mac_final finishes ctx into out (exactly hash_size bytes).
bool mac_final(EVP_MAC_CTX* ctx, std::uint8_t* out, std::size_t size) {
  std::size_t len = 0;
  return EVP_MAC_final(ctx, out, &len, size) == 1 && len == size;
}

}  // namespace

SecretBytes hkdf_extract(HashId id, ByteView salt, ByteView ikm) {
  // PRK = HMAC-Hash(salt, IKM) (§2.2). An absent salt is HashLen zeros, which HMAC
  // treats exactly as the empty key (both are zero-padded to the block size).
  SecretBytes prk(hash_size(id));
  internal::MacCtxPtr ctx = internal::new_hmac(id, salt);
  if (!ctx || (!ikm.empty() && EVP_MAC_update(ctx.get(), ikm.data(), ikm.size()) != 1) ||
      !mac_final(ctx.get(), prk.mutable_data().data(), prk.size())) {
    internal::fatal("HKDF-Extract");
  }
  return prk;
}

Result<SecretBytes> hkdf_expand(HashId id, ByteView prk, ByteView info, std::size_t length) {
  const std::size_t n = hash_size(id);
  if (length > 255 * n) {
    return fail(Errc::invalid_argument, "hkdf_expand: length above 255 * HashLen");
  }
  if (prk.size() < n) {
    return fail(Errc::invalid_key, "hkdf_expand: PRK shorter than HashLen");
  }
  SecretBytes okm(length);
  if (length == 0) return okm;
  internal::MacCtxPtr ctx = internal::new_hmac(id, prk);
  if (!ctx) return internal::openssl_fail(Errc::crypto_failure, "HKDF-Expand: HMAC setup");
  // T(i) = HMAC-Hash(PRK, T(i-1) | info | i), T(0) empty; OKM = first L octets of
  // T(1) | T(2) | ... (§2.3). T is kept in a buffer that is cleansed afterwards.
  std::uint8_t t[kMaxHash];
  auto out = okm.mutable_data();
  bool good = true;
  for (std::size_t done = 0, i = 1; good && done < length; ++i) {
    const std::uint8_t counter = static_cast<std::uint8_t>(i);
    // Re-initializing without a key keeps PRK's key schedule (EVP_MAC_init(3)).
    good = (i == 1 || EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) == 1) &&
           (i == 1 || EVP_MAC_update(ctx.get(), t, n) == 1) &&
           (info.empty() || EVP_MAC_update(ctx.get(), info.data(), info.size()) == 1) &&
           EVP_MAC_update(ctx.get(), &counter, 1) == 1 && mac_final(ctx.get(), t, n);
    const std::size_t take = std::min(n, length - done);
    if (good) std::copy_n(t, take, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += take;
  }
  OPENSSL_cleanse(t, sizeof(t));
  if (!good) return internal::openssl_fail(Errc::crypto_failure, "HKDF-Expand: HMAC");
  return okm;
}

}  // namespace ztm::crypto
