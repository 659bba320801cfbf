// Private helpers shared by the crypto files: OpenSSL ownership types, the one
// place that turns OpenSSL's error queue into a typed Error, and algorithm objects
// fetched once per process.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstddef>
#include <limits>
#include <memory>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/aead.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto::internal {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EvpCipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct EvpMacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxFree>;
struct EvpKdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, EvpKdfCtxFree>;

// openssl_error drains OpenSSL's error queue into an Error whose message names the
// failed call, so that one failure never leaks into the next caller's diagnosis.
Error openssl_error(Errc code, std::string_view what);

// openssl_fail is openssl_error wrapped for `return openssl_fail(...)`.
inline tl::unexpected<Error> openssl_fail(Errc code, std::string_view what) {
  return tl::unexpected<Error>(openssl_error(code, what));
}

// fatal reports an OpenSSL failure in a call whose signature cannot fail (hash,
// hmac, hkdf_extract, random_fill). With built-in algorithms fetched at start-up
// these fail only when memory is exhausted, where no safe result exists.
[[noreturn]] void fatal(std::string_view what);

// as_int checks that a buffer length fits OpenSSL's int lengths.
inline bool fits_int(std::size_t n) {
  return n <= static_cast<std::size_t>(std::numeric_limits<int>::max());
}

// The algorithm objects are fetched once and live for the process; OpenSSL 3
// otherwise fetches implicitly (a lock and a lookup) on every init.
const EVP_MD* evp_md(HashId id);
const char* md_name(HashId id);
const EVP_CIPHER* evp_aead_cipher(AeadId id);  // nullptr for export_only
EVP_MAC* evp_hmac();
EVP_KDF* evp_hkdf();

// new_hmac returns an HMAC context for hash id keyed with key. It is a copy of a
// per-process template that already holds the digest: OpenSSL 3.0 otherwise looks
// the digest up by name on every EVP_MAC_CTX (about as costly as the HMAC itself
// for the short inputs of HKDF). nullptr only when memory is exhausted.
MacCtxPtr new_hmac(HashId id, ByteView key);

}  // namespace ztm::crypto::internal
