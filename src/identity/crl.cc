#include "ztm/identity/crl.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "internal/a_openssl.h"

namespace ztm::identity {

using internal::BioPtr;
using internal::openssl_fail;

namespace {

std::shared_ptr<X509_CRL> share(X509_CRL* c) {
  return std::shared_ptr<X509_CRL>(c, [](X509_CRL* p) { X509_CRL_free(p); });
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

Result<Crl> Crl::from_der(ByteView der, std::size_t max_size_bytes) {
  if (der.empty() || der.size() > max_size_bytes) {
    return fail(Errc::limit_exceeded,
                "CRL: empty or larger than " + std::to_string(max_size_bytes) + " bytes");
  }
  const unsigned char* p = der.data();
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (crl == nullptr) return openssl_fail(Errc::invalid_encoding, "CRL: d2i_X509_CRL");
  auto shared = share(crl);
  if (p != der.data() + der.size()) return fail(Errc::trailing_data, "CRL: trailing bytes");
  return Crl(std::move(shared));
}

Result<Crl> Crl::from_pem(std::string_view pem, std::size_t max_size_bytes) {
  // Base64 is 4/3 of the DER plus line breaks and armour.
  if (pem.size() > max_size_bytes * 2) return fail(Errc::limit_exceeded, "CRL PEM too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_fail(Errc::crypto_failure, "BIO_new_mem_buf");
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  if (crl == nullptr) return openssl_fail(Errc::invalid_encoding, "CRL: PEM_read_bio_X509_CRL");
  return Crl(share(crl));
}

Bytes Crl::der() const {
  auto der = internal::der_of<const X509_CRL>(crl_.get(), &i2d_X509_CRL, "i2d_X509_CRL");
  return der ? std::move(*der) : Bytes{};
}

std::string Crl::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl_.get()) != 1) return {};
  return bio_text(bio.get());
}

std::string Crl::issuer() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(crl_.get()), 0, XN_FLAG_RFC2253) < 0) {
    return {};
  }
  return bio_text(bio.get());
}

TimePoint Crl::this_update() const {
  auto t = internal::to_time_point(X509_CRL_get0_lastUpdate(crl_.get()));
  return t ? *t : TimePoint{};
}

std::optional<TimePoint> Crl::next_update() const {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl_.get());
  if (next == nullptr) return std::nullopt;
  auto t = internal::to_time_point(next);
  if (!t) return std::nullopt;
  return *t;
}

Result<Crl> issue_crl(const crypto::SignaturePrivateKey& ca_key, const Certificate& ca_cert,
                      std::span<const RevokedCertificate> revoked, TimePoint this_update,
                      TimePoint next_update, std::uint64_t crl_number) {
  X509* ca = ca_cert.x509();
  if (EVP_PKEY_eq(X509_get0_pubkey(ca), ca_key.evp_pkey()) != 1) {
    return fail(Errc::invalid_key, "CA key does not match the CA certificate");
  }
  if ((X509_get_key_usage(ca) & KU_CRL_SIGN) == 0) {
    return fail(Errc::invalid_argument, "CA certificate's keyUsage does not allow cRLSign");
  }
  if (next_update <= this_update) {
    return fail(Errc::invalid_argument, "nextUpdate must be after thisUpdate");
  }
  X509_CRL* raw = X509_CRL_new();
  if (raw == nullptr) return openssl_fail(Errc::crypto_failure, "X509_CRL_new");
  auto crl = share(raw);
  ASN1_TIME* last = ASN1_TIME_set(nullptr, internal::to_time_t(this_update));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, internal::to_time_t(next_update));
  const bool header_ok =
      last != nullptr && next != nullptr && X509_CRL_set_version(raw, 1) == 1 &&  // v2
      X509_CRL_set_issuer_name(raw, X509_get_subject_name(ca)) == 1 &&
      X509_CRL_set1_lastUpdate(raw, last) == 1 && X509_CRL_set1_nextUpdate(raw, next) == 1;
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  if (!header_ok) return openssl_fail(Errc::crypto_failure, "CRL header");
  for (const auto& entry : revoked) {
    if (entry.serial.empty() || entry.serial.size() > 20) {
      return fail(Errc::invalid_argument, "revoked serial must be 1..20 bytes");
    }
    if (entry.reason < 0 || entry.reason > 10 || entry.reason == 7) {
      return fail(Errc::invalid_argument,
                  "CRL reason " + std::to_string(entry.reason) + " is not an RFC 5280 CRLReason");
    }
    X509_REVOKED* r = X509_REVOKED_new();
    BIGNUM* bn = BN_bin2bn(entry.serial.data(), static_cast<int>(entry.serial.size()), nullptr);
    ASN1_INTEGER* serial = bn != nullptr ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
    ASN1_TIME* when = ASN1_TIME_set(nullptr, internal::to_time_t(entry.revocation_date));
    ASN1_ENUMERATED* reason = entry.reason != 0 ? ASN1_ENUMERATED_new() : nullptr;
    const bool reason_ok =
        entry.reason == 0 || (reason != nullptr && ASN1_ENUMERATED_set(reason, entry.reason) == 1 &&
                              X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) == 1);
    const bool ok_entry = r != nullptr && serial != nullptr && when != nullptr &&
                          X509_REVOKED_set_serialNumber(r, serial) == 1 &&
                          X509_REVOKED_set_revocationDate(r, when) == 1 && reason_ok &&
                          X509_CRL_add0_revoked(raw, r) == 1;
    BN_free(bn);
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(when);
    ASN1_ENUMERATED_free(reason);
    if (!ok_entry) {
      X509_REVOKED_free(r);
      return openssl_fail(Errc::crypto_failure, "CRL entry");
    }
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, nullptr, nullptr, raw, 0);
  internal::ExtensionPtr aki(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  ASN1_INTEGER* number = ASN1_INTEGER_new();
  const bool ext_ok = aki && number != nullptr &&
                      ASN1_INTEGER_set_uint64(number, crl_number) == 1 &&
                      X509_CRL_add_ext(raw, aki.get(), -1) == 1 &&
                      X509_CRL_add1_ext_i2d(raw, NID_crl_number, number, 0, 0) == 1;
  ASN1_INTEGER_free(number);
  if (!ext_ok) return openssl_fail(Errc::crypto_failure, "CRL extensions");
  X509_CRL_sort(raw);
  ZTM_TRY_ASSIGN(const EVP_MD* md, internal::signing_digest(ca_key.evp_pkey()));
  if (X509_CRL_sign(raw, ca_key.evp_pkey(), md) <= 0) {
    return openssl_fail(Errc::crypto_failure, "X509_CRL_sign");
  }
  ZTM_TRY_ASSIGN(auto der, internal::der_of<const X509_CRL>(raw, &i2d_X509_CRL, "i2d_X509_CRL"));
  // Re-parse so the returned object carries its cached encoding like a fetched CRL.
  return Crl::from_der(der, der.size());
}

std::optional<Crl> CrlCache::get(const std::string& url, TimePoint now) const {
  auto it = by_url_.find(url);
  if (it == by_url_.end()) return std::nullopt;
  const auto next = it->second.next_update();
  if (!next || *next <= now) return std::nullopt;
  return it->second;
}

void CrlCache::put(const std::string& url, const Crl& crl) {
  // A CRL without nextUpdate gives no freshness promise: never serve it from cache.
  if (!crl.next_update()) return;
  if (by_url_.size() >= max_entries_ && by_url_.find(url) == by_url_.end()) {
    auto victim =
        std::min_element(by_url_.begin(), by_url_.end(), [](const auto& a, const auto& b) {
          return a.second.next_update() < b.second.next_update();
        });
    if (victim != by_url_.end()) by_url_.erase(victim);
  }
  by_url_.insert_or_assign(url, crl);
}

void CrlCache::add_supplied(const Crl& crl) {
  auto name = crl.issuer();
  auto it = supplied_by_issuer_.find(name);
  // Keep the newer of two CRLs from one issuer, so an old file cannot undo a newer
  // revocation.
  if (it != supplied_by_issuer_.end() && it->second.this_update() > crl.this_update()) return;
  supplied_by_issuer_.insert_or_assign(std::move(name), crl);
}

std::optional<Crl> CrlCache::supplied_for_issuer(std::string_view issuer_name) const {
  auto it = supplied_by_issuer_.find(issuer_name);
  if (it == supplied_by_issuer_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ztm::identity
