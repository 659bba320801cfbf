#include <openssl/bn.h>

#include <cctype>
#include <cstdio>

#include "internal/dtls_impl.h"
#include "internal/openssl_util.h"
#include "ztm/net/dtls.h"

namespace ztm::net {

using internal::openssl_errors;
using internal::OsslPtr;

std::string CertificateFingerprint::to_sdp() const {
  std::string out = "sha-256 ";
  char buf[4];
  for (std::size_t i = 0; i < sha256.size(); ++i) {
    std::snprintf(buf, sizeof buf, i + 1 < sha256.size() ? "%02X:" : "%02X", sha256[i]);
    out += buf;
  }
  return out;
}

Result<CertificateFingerprint> CertificateFingerprint::from_sdp(std::string_view value) {
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos) {
    return fail(Errc::invalid_encoding, "fingerprint: expected \"<hash> <hex>\"");
  }
  std::string hash(value.substr(0, space));
  for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (hash != "sha-256") return fail(Errc::unsupported, "fingerprint: only sha-256 is accepted");
  const std::string_view hex = value.substr(space + 1);
  // 32 bytes: 32 pairs of hex digits and 31 colons.
  if (hex.size() != 32 * 3 - 1) return fail(Errc::invalid_encoding, "fingerprint: length");
  CertificateFingerprint fp;
  for (std::size_t i = 0; i < 32; ++i) {
    if (i > 0 && hex[3 * i - 1] != ':') {
      return fail(Errc::invalid_encoding, "fingerprint: expected ':' between bytes");
    }
    auto digit = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = digit(hex[3 * i]), lo = digit(hex[3 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::invalid_encoding, "fingerprint: not hex");
    fp.sha256[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return fp;
}

Result<CertificateFingerprint> fingerprint_of(X509* cert) {
  CertificateFingerprint fp;
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), fp.sha256.data(), &size) != 1 || size != 32) {
    return fail(Errc::crypto_failure, "dtls: X509_digest failed: " + openssl_errors());
  }
  return fp;
}

Result<DtlsCertificate> DtlsCertificate::generate(std::string_view common_name) {
  OsslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return fail(Errc::crypto_failure, "dtls: EC key generation: " + openssl_errors());
  OsslPtr<X509> cert(X509_new());
  if (!cert) return fail(Errc::crypto_failure, "dtls: X509_new failed");
  // A random positive 63-bit serial: certificates made at once must not collide.
  BIGNUM* bn = BN_new();
  bool ok_all = bn != nullptr && BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
                BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  const std::string cn(common_name);
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok_all = ok_all && X509_set_version(cert.get(), 2) == 1 &&
           X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600) != nullptr &&
           X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) != nullptr &&
           X509_set_pubkey(cert.get(), key.get()) == 1 &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                      0) == 1 &&
           X509_set_issuer_name(cert.get(), name) == 1 &&
           X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok_all) return fail(Errc::crypto_failure, "dtls: certificate: " + openssl_errors());
  auto impl = std::make_shared<Impl>();
  ZTM_TRY_ASSIGN(impl->fingerprint, fingerprint_of(cert.get()));
  impl->key = std::move(key);
  impl->cert = std::move(cert);
  DtlsCertificate c;
  c.impl_ = std::move(impl);
  return c;
}

const CertificateFingerprint& DtlsCertificate::fingerprint() const {
  return impl_->fingerprint;
}

}  // namespace ztm::net
