#include "ztm/sframe/cipher_suite.h"

#include <string>

namespace ztm::sframe {

Result<SuiteInfo> suite_info(CipherSuite suite) {
  using crypto::HashId;
  switch (suite) {
    case CipherSuite::aes_128_ctr_hmac_sha256_80:
      return SuiteInfo{suite, "AES_128_CTR_HMAC_SHA256_80", HashId::sha256, 32, 16, 48, 12, 10,
                       true};
    case CipherSuite::aes_128_ctr_hmac_sha256_64:
      return SuiteInfo{suite, "AES_128_CTR_HMAC_SHA256_64", HashId::sha256, 32, 16, 48, 12, 8,
                       true};
    case CipherSuite::aes_128_ctr_hmac_sha256_32:
      return SuiteInfo{suite, "AES_128_CTR_HMAC_SHA256_32", HashId::sha256, 32, 16, 48, 12, 4,
                       true};
    case CipherSuite::aes_128_gcm_sha256_128:
      return SuiteInfo{suite, "AES_128_GCM_SHA256_128", HashId::sha256, 32, 0, 16, 12, 16, false};
    case CipherSuite::aes_256_gcm_sha512_128:
      return SuiteInfo{suite, "AES_256_GCM_SHA512_128", HashId::sha512, 64, 0, 32, 12, 16, false};
  }
  return fail(Errc::unsupported,
              "sframe.cipher_suite: " + std::to_string(static_cast<unsigned>(suite)) +
                  " is not an RFC 9605 suite");
}

}  // namespace ztm::sframe
