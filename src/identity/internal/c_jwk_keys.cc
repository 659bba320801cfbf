#include "internal/c_jwk_keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "internal/c_json.h"
#include "ztm/identity/jws.h"

namespace ztm::identity::internal {

using json = nlohmann::json;

namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, internal::OsslDeleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, internal::OsslDeleter<OSSL_PARAM_free>>;
using BnPtr = std::unique_ptr<BIGNUM, internal::OsslDeleter<BN_free>>;

Result<PkeyPtr> pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return tl::unexpected(ossl_error(Errc::invalid_key, "JWK import"));
  }
  return PkeyPtr(raw);
}

}  // namespace

Result<PkeyPtr> rsa_from_jwk(const json& jwk) {
  if (!jwk.contains("n") || !jwk.contains("e") || !jwk["n"].is_string() || !jwk["e"].is_string()) {
    return fail(Errc::invalid_key, "RSA JWK without n/e");
  }
  ZTM_TRY_ASSIGN(Bytes n, base64url_decode(jwk["n"].get<std::string>()));
  ZTM_TRY_ASSIGN(Bytes e, base64url_decode(jwk["e"].get<std::string>()));
  BnPtr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  BnPtr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), "n", bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), "e", bn_e.get()) != 1) {
    return tl::unexpected(ossl_error(Errc::invalid_key, "RSA JWK"));
  }
  ZTM_TRY_ASSIGN(PkeyPtr key, pkey_from_params("RSA", bld.get()));
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return fail(Errc::invalid_key, "RSA JWK shorter than 2048 bits");
  }
  return key;
}

Result<PkeyPtr> ec_p256_from_jwk(const json& jwk) {
  if (json_string_or(jwk, "crv") != "P-256" || !jwk.contains("x") || !jwk.contains("y") ||
      !jwk["x"].is_string() || !jwk["y"].is_string()) {
    return fail(Errc::unsupported, "EC JWK is not P-256");
  }
  ZTM_TRY_ASSIGN(Bytes x, base64url_decode(jwk["x"].get<std::string>()));
  ZTM_TRY_ASSIGN(Bytes y, base64url_decode(jwk["y"].get<std::string>()));
  if (x.size() != 32 || y.size() != 32) return fail(Errc::invalid_key, "EC JWK coordinates");
  Bytes point{0x04};
  append(point, x);
  append(point, y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return tl::unexpected(ossl_error(Errc::invalid_key, "EC JWK"));
  }
  // EVP_PKEY_fromdata checks that the point is on the curve.
  return pkey_from_params("EC", bld.get());
}

bool verify_sha256(EVP_PKEY* key, ByteView message, ByteView signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool good = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                               message.size()) == 1;
  ERR_clear_error();
  return good;
}

}  // namespace ztm::identity::internal
