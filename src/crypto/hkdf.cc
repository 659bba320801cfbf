// HKDF (RFC 5869) over OpenSSL's EVP_KDF "HKDF" in extract-only and expand-only
// modes, so that callers (HPKE, MLS) can build their labeled variants on top.
//
// Speed: a fresh EVP_KDF_CTX per call costs OpenSSL 3.0 a provider context and a
// digest fetch by name — about twice the HMAC work for the 32-byte inputs HPKE and
// MLS use, and an UpdatePath to 1 000 members makes ~9 000 calls. So each thread
// keeps one prepared context per (hash, mode) with the digest already set, and a call
// passes only its key, salt and info. OpenSSL 3.0's HKDF cannot be duplicated
// (EVP_KDF_CTX_dup returns null), hence per thread rather than one shared template.
// The key and salt (which are secrets in the MLS key schedule) are replaced by a
// zero byte right after each derivation, so a context never holds a secret between
// calls (OpenSSL frees a replaced key with OPENSSL_clear_free).
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>

#include "internal/openssl.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto {

namespace {

// kNonNull stands in for the data pointer of an empty input: OpenSSL treats a null
// octet-string parameter as "absent", while RFC 5869 allows empty salt, IKM and info.
const std::uint8_t kNonNull[1] = {0};

// kZeros is the salt "not provided" stands for (RFC 5869 §2.2: HashLen zeros). It is
// passed explicitly because OpenSSL ignores an empty salt parameter, which on a
// reused context would leave the previous call's salt in place.
const std::uint8_t kZeros[64] = {};

void* param_data(ByteView v) {
  return const_cast<std::uint8_t*>(v.empty() ? kNonNull : v.data());
}

std::size_t hash_slot(HashId id) {
  switch (id) {
    case HashId::sha256:
      return 0;
    case HashId::sha384:
      return 1;
    case HashId::sha512:
      return 2;
  }
  internal::fatal("HKDF: unknown hash");
}

// PreparedContexts are one thread's HKDF contexts, digest and mode set, by
// [hash][extract = 0 / expand = 1]; created on first use, freed at thread exit.
class PreparedContexts {
 public:
  PreparedContexts() = default;
  PreparedContexts(const PreparedContexts&) = delete;
  PreparedContexts& operator=(const PreparedContexts&) = delete;
  ~PreparedContexts() {
    for (auto& row : ctx_) {
      for (EVP_KDF_CTX* c : row) EVP_KDF_CTX_free(c);
    }
  }

  EVP_KDF_CTX* get(HashId id, int mode) {
    EVP_KDF_CTX*& slot = ctx_[hash_slot(id)][mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? 0 : 1];
    if (slot != nullptr) return slot;
    EVP_KDF_CTX* c = EVP_KDF_CTX_new(internal::evp_hkdf());
    if (c == nullptr) return nullptr;
    OSSL_PARAM params[3] = {OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
                            OSSL_PARAM_construct_utf8_string(
                                OSSL_KDF_PARAM_DIGEST, const_cast<char*>(internal::md_name(id)), 0),
                            OSSL_PARAM_construct_end()};
    if (EVP_KDF_CTX_set_params(c, params) != 1) {
      EVP_KDF_CTX_free(c);
      return nullptr;
    }
    slot = c;
    return slot;
  }

 private:
  std::array<std::array<EVP_KDF_CTX*, 2>, 3> ctx_{};
};

// run_hkdf_fresh expands with an empty info on a context of its own. A reused
// OpenSSL 3.0.19 HKDF context given an empty info after a non-empty one crashes in
// EVP_KDF_derive (seen here: a segmentation fault in SHA256_Update), and no MLS or
// HPKE derivation has an empty info, so that rare case pays for a fresh context.
Result<void> run_hkdf_fresh(HashId id, ByteView key, MutableByteView out) {
  internal::KdfCtxPtr ctx(EVP_KDF_CTX_new(internal::evp_hkdf()));
  if (!ctx) return internal::openssl_fail(Errc::crypto_failure, "EVP_KDF_CTX_new");
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[4] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                       const_cast<char*>(internal::md_name(id)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_data(key), key.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_KDF_derive(HKDF)");
  }
  return ok();
}

Result<void> run_hkdf(HashId id, int mode, ByteView key, ByteView salt, ByteView info,
                      MutableByteView out) {
  const bool extract = mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  if (!extract && info.empty()) return run_hkdf_fresh(id, key, out);
  thread_local PreparedContexts contexts;
  EVP_KDF_CTX* ctx = contexts.get(id, mode);
  if (ctx == nullptr) return internal::openssl_fail(Errc::crypto_failure, "HKDF context");
  OSSL_PARAM params[3];
  params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_data(key), key.size());
  const ByteView salt_or_zeros = salt.empty() ? ByteView(kZeros, hash_size(id)) : salt;
  params[1] = extract ? OSSL_PARAM_construct_octet_string(
                            OSSL_KDF_PARAM_SALT, param_data(salt_or_zeros), salt_or_zeros.size())
                      : OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, param_data(info),
                                                          info.size());
  params[2] = OSSL_PARAM_construct_end();
  const bool derived = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  // Scrub: replace key and salt with one zero byte each (a non-empty value, since
  // OpenSSL ignores an empty salt), so the secrets of this call do not stay in the
  // context until the next one.
  OSSL_PARAM scrub[3] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(kZeros), 1),
      extract ? OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                  const_cast<std::uint8_t*>(kZeros), 1)
              : OSSL_PARAM_construct_end(),
      OSSL_PARAM_construct_end()};
  const bool scrubbed = EVP_KDF_CTX_set_params(ctx, scrub) == 1;
  if (!derived) return internal::openssl_fail(Errc::crypto_failure, "EVP_KDF_derive(HKDF)");
  if (!scrubbed) internal::fatal("HKDF: clearing the context's key");
  return ok();
}

}  // namespace

SecretBytes hkdf_extract(HashId id, ByteView salt, ByteView ikm) {
  SecretBytes prk(hash_size(id));
  if (!run_hkdf(id, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, prk.mutable_data())) {
    internal::fatal("HKDF-Extract");
  }
  return prk;
}

Result<SecretBytes> hkdf_expand(HashId id, ByteView prk, ByteView info, std::size_t length) {
  if (length > 255 * hash_size(id)) {
    return fail(Errc::invalid_argument, "hkdf_expand: length above 255 * HashLen");
  }
  if (prk.size() < hash_size(id)) {
    return fail(Errc::invalid_key, "hkdf_expand: PRK shorter than HashLen");
  }
  SecretBytes okm(length);
  if (length == 0) return okm;
  ZTM_TRY(run_hkdf(id, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, okm.mutable_data()));
  return okm;
}

}  // namespace ztm::crypto
