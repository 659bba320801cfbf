// Certificate revocation lists (RFC 5280 §5): parsing, issuing (for a CA), a
// fetcher interface for the cRLDistributionPoints URL of a leaf, an HTTP fetcher, and
// a cache that keeps each CRL until its nextUpdate.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/identity/certificate.h"

struct X509_crl_st;  // OpenSSL's X509_CRL

namespace ztm::identity {

// kDefaultMaxCrlSizeBytes bounds a CRL we download or parse. A CA for one
// organization's meeting identities lists few revocations; 1 MiB is ~30000 entries.
inline constexpr std::size_t kDefaultMaxCrlSizeBytes = 1024 * 1024;

// Crl is one parsed CRL. Copies share the immutable OpenSSL object. Parsing does not
// check the signature: the validator does, against the certified issuer.
class Crl {
 public:
  // from_der parses one DER CertificateList (RFC 5280 §5.1); trailing bytes or a
  // size above max_size_bytes is rejected.
  static Result<Crl> from_der(ByteView der, std::size_t max_size_bytes = kDefaultMaxCrlSizeBytes);
  // from_pem parses one "BEGIN X509 CRL" block.
  static Result<Crl> from_pem(std::string_view pem,
                              std::size_t max_size_bytes = kDefaultMaxCrlSizeBytes);

  Bytes der() const;
  std::string pem() const;
  // issuer is the CRL issuer's name in RFC 2253 form.
  std::string issuer() const;
  TimePoint this_update() const;
  // next_update is absent when the CRL omits it (then it is never cached).
  std::optional<TimePoint> next_update() const;

  X509_crl_st* x509_crl() const { return crl_.get(); }

 private:
  explicit Crl(std::shared_ptr<X509_crl_st> crl) : crl_(std::move(crl)) {}
  std::shared_ptr<X509_crl_st> crl_;
};

// RevokedCertificate is one CRL entry.
struct RevokedCertificate {
  Bytes serial;  // big-endian, as in IssueOptions::serial
  TimePoint revocation_date;
  // reason is the RFC 5280 §5.3.1 CRLReason (1 keyCompromise ... 10 aACompromise; 7
  // is unused). 0 (unspecified) writes no reasonCode extension, as §5.3.1 advises.
  int reason = 0;
};

// issue_crl makes a v2 CRL signed by ca_key (the key of ca_cert, which must be
// allowed to sign CRLs), with a CRL number and an authority key identifier, and a
// reasonCode extension on each entry whose reason is not 0. Errors: invalid_key,
// invalid_argument (bad serial, reason outside 0..10 or 7, bad dates), crypto_failure.
Result<Crl> issue_crl(const crypto::SignaturePrivateKey& ca_key, const Certificate& ca_cert,
                      std::span<const RevokedCertificate> revoked, TimePoint this_update,
                      TimePoint next_update, std::uint64_t crl_number);

// CrlFetcher fetches the DER bytes at a cRLDistributionPoints URL. The validator
// calls it only for a leaf whose chain already verified, so only a trusted CA's URL
// is ever fetched. Implementations must not return more than max_size_bytes
// (limit_exceeded) and must bound their time.
class CrlFetcher {
 public:
  virtual ~CrlFetcher() = default;
  virtual Result<Bytes> fetch(const std::string& url, std::size_t max_size_bytes) = 0;
};

// HttpCrlFetcher fetches http:// URLs (RFC 5280 §4.2.1.13: CRLs are served over
// plain HTTP; they are signed) with one GET and a timeout. Other schemes,
// non-200 answers and oversized bodies are errors.
class HttpCrlFetcher : public CrlFetcher {
 public:
  explicit HttpCrlFetcher(std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : timeout_(timeout) {}
  Result<Bytes> fetch(const std::string& url, std::size_t max_size_bytes) override;

 private:
  std::chrono::milliseconds timeout_;
};

// CrlCache keeps fetched CRLs per URL until their nextUpdate, and CRLs supplied
// directly (by issuer name, kept until replaced). Not thread-safe: one per
// validator. max_entries bounds memory: when full, expired entries are dropped,
// and if none were, the entry with the earliest nextUpdate.
class CrlCache {
 public:
  explicit CrlCache(std::size_t max_entries = 64) : max_entries_(max_entries) {}

  // get returns the cached CRL for url if its nextUpdate is after now.
  std::optional<Crl> get(const std::string& url, TimePoint now) const;
  void put(const std::string& url, const Crl& crl);
  // add_supplied keeps a CRL handed in directly (e.g. from a file), replacing an
  // older one from the same issuer.
  void add_supplied(const Crl& crl);
  // supplied_for_issuer returns the supplied CRL whose issuer name is issuer_name.
  std::optional<Crl> supplied_for_issuer(std::string_view issuer_name) const;

 private:
  std::size_t max_entries_;
  std::map<std::string, Crl> by_url_;
  std::map<std::string, Crl, std::less<>> supplied_by_issuer_;
};

}  // namespace ztm::identity
