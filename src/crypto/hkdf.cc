// HKDF (RFC 5869) over OpenSSL's EVP_KDF "HKDF" in extract-only and expand-only
// modes, so that callers (HPKE, MLS) can build their labeled variants on top.
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <vector>

#include "internal/openssl.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto {

namespace {

// kNonNull stands in for the data pointer of an empty input: OpenSSL treats a null
// octet-string parameter as "absent", while RFC 5869 allows empty salt, IKM and info.
const std::uint8_t kNonNull[1] = {0};

void* param_data(ByteView v) {
  return const_cast<std::uint8_t*>(v.empty() ? kNonNull : v.data());
}

Result<void> run_hkdf(HashId id, int mode, ByteView key, ByteView salt, ByteView info,
                      MutableByteView out) {
  internal::KdfCtxPtr ctx(EVP_KDF_CTX_new(internal::evp_hkdf()));
  if (!ctx) return internal::openssl_fail(Errc::crypto_failure, "EVP_KDF_CTX_new");
  OSSL_PARAM params[6];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 const_cast<char*>(internal::md_name(id)), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_data(key), key.size());
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, param_data(salt), salt.size());
  } else if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, param_data(info), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_KDF_derive(HKDF)");
  }
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
