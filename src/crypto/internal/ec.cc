#include "internal/ec.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <cstring>

namespace ztm::crypto::internal {

const EcCurve kP256{"P-256", NID_X9_62_prime256v1, 32, 32};
const EcCurve kP384{"P-384", NID_secp384r1, 48, 48};
const EcCurve kP521{"P-521", NID_secp521r1, 66, 66};

namespace {

struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct BnCtxFree {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct GroupFree {
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
};
struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using GroupPtr = std::unique_ptr<EC_GROUP, GroupFree>;
using PointPtr = std::unique_ptr<EC_POINT, PointFree>;

// from_params builds an EVP_PKEY of type EC from a group name, an optional
// private scalar and a public point, letting OpenSSL check the point is on the curve.
Result<PkeyPtr> from_params(const EcCurve& curve, const BIGNUM* priv, ByteView point) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group_name, 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1 ||
      (priv != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)) {
    return openssl_fail(Errc::crypto_failure, "EC key parameters");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return openssl_fail(Errc::crypto_failure, "EVP_PKEY_fromdata_init(EC)");
  }
  EVP_PKEY* raw = nullptr;
  const int selection = priv != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return openssl_fail(Errc::invalid_key, std::string(curve.group_name) + ": invalid key");
  }
  return PkeyPtr(raw);
}

}  // namespace

Result<PkeyPtr> ec_public_key(const EcCurve& curve, ByteView point) {
  // EC_POINT_oct2point would also accept compressed points and the single byte 0x00
  // (the point at infinity); RFC 9180 §7.1.1 and RFC 9420 use only uncompressed ones.
  if (point.size() != curve.point_size() || point[0] != 0x04) {
    return fail(Errc::invalid_key,
                std::string(curve.group_name) + ": public key is not an uncompressed point");
  }
  ZTM_TRY_ASSIGN(PkeyPtr key, from_params(curve, nullptr, point));
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return openssl_fail(Errc::invalid_key, std::string(curve.group_name) + ": invalid point");
  }
  return key;
}

Result<PkeyPtr> ec_private_key(const EcCurve& curve, ByteView scalar) {
  if (scalar.size() != curve.scalar_size) {
    return fail(Errc::invalid_key, std::string(curve.group_name) + ": private key is " +
                                       std::to_string(scalar.size()) + " bytes");
  }
  GroupPtr group(EC_GROUP_new_by_curve_name(curve.nid));
  std::unique_ptr<BN_CTX, BnCtxFree> bn_ctx(BN_CTX_new());
  BnPtr d(BN_secure_new());
  if (!group || !bn_ctx || !d ||
      BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), d.get()) == nullptr) {
    return openssl_fail(Errc::crypto_failure, "EC private key setup");
  }
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return fail(Errc::invalid_key,
                std::string(curve.group_name) + ": private key out of range [1, n-1]");
  }
  PointPtr pub(EC_POINT_new(group.get()));
  Bytes point(curve.point_size());
  if (!pub || EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(),
                         point.size(), bn_ctx.get()) != point.size()) {
    return openssl_fail(Errc::crypto_failure, "EC public key computation");
  }
  return from_params(curve, d.get(), point);
}

Result<PkeyPtr> ec_generate(const EcCurve& curve) {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.group_name);
  if (raw == nullptr) return openssl_fail(Errc::crypto_failure, "EC key generation");
  return PkeyPtr(raw);
}

Result<Bytes> ec_encode_public(const EcCurve& curve, const EVP_PKEY* key) {
  std::uint8_t buf[1 + 2 * 66 + 1];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len) != 1) {
    return openssl_fail(Errc::invalid_key, "EC public key export");
  }
  if (len == curve.point_size() && buf[0] == 0x04) return Bytes(buf, buf + len);
  // A compressed or hybrid point (possible in a certificate): re-encode it.
  GroupPtr group(EC_GROUP_new_by_curve_name(curve.nid));
  PointPtr point(group ? EC_POINT_new(group.get()) : nullptr);
  Bytes out(curve.point_size());
  if (!point || EC_POINT_oct2point(group.get(), point.get(), buf, len, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), nullptr) != out.size()) {
    return openssl_fail(Errc::invalid_key, "EC public key re-encoding");
  }
  return out;
}

Result<SecretBytes> ec_encode_private(const EcCurve& curve, const EVP_PKEY* key) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) {
    return openssl_fail(Errc::invalid_key, "EC private key export");
  }
  BnPtr d(raw);
  SecretBytes out(curve.scalar_size);
  if (BN_bn2binpad(d.get(), out.mutable_data().data(), static_cast<int>(out.size())) < 0) {
    return openssl_fail(Errc::crypto_failure, "EC private key encoding");
  }
  return out;
}

const EcCurve* ec_curve_of(const EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) return nullptr;
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1) return nullptr;
  for (const EcCurve* c : {&kP256, &kP384, &kP521}) {
    if (std::strcmp(name, c->group_name) == 0) return c;
  }
  // OpenSSL may report the SEC/X9.62 names instead of the NIST ones.
  if (std::strcmp(name, "prime256v1") == 0) return &kP256;
  if (std::strcmp(name, "secp384r1") == 0) return &kP384;
  if (std::strcmp(name, "secp521r1") == 0) return &kP521;
  return nullptr;
}

}  // namespace ztm::crypto::internal
