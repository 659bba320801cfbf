#include "internal/a_openssl.h"

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <string>

namespace ztm::identity::internal {

Error openssl_error(Errc code, std::string_view what) {
  std::string message(what);
  // Keep the first (deepest) reason: it names the cause; the rest are call sites.
  const unsigned long first = ERR_get_error();
  if (first != 0) {
    char buf[256];
    ERR_error_string_n(first, buf, sizeof buf);
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return Error{code, std::move(message)};
}

Result<TimePoint> to_time_point(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return openssl_fail(Errc::invalid_encoding, "ASN1_TIME_to_tm");
  }
  // timegm is UTC; ASN1_TIME_to_tm yields UTC broken-down time.
  const time_t seconds = timegm(&tm);
  return std::chrono::system_clock::from_time_t(seconds);
}

Result<const EVP_MD*> signing_digest(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return static_cast<const EVP_MD*>(nullptr);
    case EVP_PKEY_RSA:
      return EVP_sha256();
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         &len) != 1) {
        return openssl_fail(Errc::invalid_key, "EVP_PKEY_get_utf8_string_param(group)");
      }
      const std::string_view name(group, len);
      if (name == "prime256v1" || name == "P-256") return EVP_sha256();
      if (name == "secp384r1" || name == "P-384") return EVP_sha384();
      if (name == "secp521r1" || name == "P-521") return EVP_sha512();
      return fail(Errc::unsupported, "unsupported EC curve " + std::string(name));
    }
    default:
      return fail(Errc::unsupported, "unsupported signing key type");
  }
}

}  // namespace ztm::identity::internal
