// Validator: checks a participant's X.509 credential (RFC 9420 §5.3) — RFC 5280
// path validation with OpenSSL's X509_verify_cert, the ztmeet profile, the anchor's
// role and scope, and revocation — and says what the participant list shows
// (docs/identity.md, "Validator statuses").
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/crypto/signature.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/crl.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/trust_store.h"

struct x509_store_st;  // OpenSSL's X509_STORE

namespace ztm::identity {

// CredentialStatus is the verdict on one credential.
enum class CredentialStatus : std::uint8_t {
  verified,                // chains to an organization anchor and the SAN is in its domains
  provider_authenticated,  // chains to a provider anchor: shown, never marked verified
  expired,                 // a certificate of the path is outside its validity period
  revoked,                 // the leaf is on its issuer's CRL
  invalid,                 // anything else: untrusted, out of scope, off-profile, ...
};

std::string_view credential_status_name(CredentialStatus status);

// ValidatorLimits bound the work done on an untrusted chain.
struct ValidatorLimits {
  // max_chain_length is the longest path accepted, leaf and anchor included.
  std::size_t max_chain_length = 5;
  // max_certificates is the most certificates a credential may carry; more is
  // rejected before any parsing beyond the count.
  std::size_t max_certificates = 8;
  // max_crl_size_bytes bounds a fetched or supplied CRL.
  std::size_t max_crl_size_bytes = kDefaultMaxCrlSizeBytes;
};

// ValidatorOptions configure a Validator.
struct ValidatorOptions {
  // clock_skew is how far our clock may be from the CA's: a certificate (or CRL)
  // not yet valid at now is checked again at now + clock_skew, and one expired at
  // now again at now - clock_skew.
  std::chrono::seconds clock_skew{300};
  ValidatorLimits limits;
};

// ValidatedCredential is a credential that passed validation (verified or
// provider_authenticated). Only Validator constructs it (typestate for trust).
class ValidatedCredential {
 public:
  const Identity& identity() const { return identity_; }
  // domain is the identity's domain (email domain, device name, service host).
  const std::string& domain() const { return domain_; }
  AnchorRole anchor_role() const { return anchor_role_; }
  // organization is the vouching organization; empty for provider anchors.
  const std::string& organization() const { return organization_; }
  // display_name is the leaf subject's CN, if any: display only, never matched.
  const std::string& display_name() const { return display_name_; }
  // chain is the validated path, leaf first, anchor last.
  const std::vector<Certificate>& chain() const { return chain_; }

 private:
  friend class Validator;
  ValidatedCredential() = default;
  Identity identity_{};
  std::string domain_;
  AnchorRole anchor_role_ = AnchorRole::provider;
  std::string organization_;
  std::string display_name_;
  std::vector<Certificate> chain_;
};

// ValidationResult is the status, a reason for people (why it is not verified),
// and for verified/provider_authenticated the validated credential.
struct ValidationResult {
  CredentialStatus status = CredentialStatus::invalid;
  std::string reason;
  std::optional<ValidatedCredential> credential;

  // summary is the participant-list line, e.g.
  //   "verified: alice@example.com (Example Corp)"
  //   "provider-authenticated: bob@mail.test (not verified)"
  //   "revoked: leaf certificate revoked (serial 1A2B)"
  std::string summary() const;
};

// Validator validates credentials against one trust store. It fails closed: any
// error inside (a malformed certificate, an OpenSSL failure, an unreachable CRL for
// a leaf that names one) is a non-verified status, never an exception.
// Thread-safe: validate (and add_crl) may be called concurrently on one Validator —
// a joiner validates every member's chain in parallel (ztm::parallel_for). The
// trust store and OpenSSL's anchor store are read-only after construction; the CRL
// cache has a lock; CRL fetches are serialized (one download per URL, never a
// concurrent call into the CrlFetcher).
class Validator {
 public:
  // fetcher may be null: a leaf with a cRLDistributionPoints URL then needs a
  // supplied CRL (add_crl) or it is invalid. The fetcher must outlive the validator.
  explicit Validator(TrustStore trust_store, ValidatorOptions options = {},
                     CrlFetcher* fetcher = nullptr);

  // add_crl supplies a CRL directly; it is used for leaves its issuer signed.
  Result<void> add_crl(const Crl& crl);

  // validate checks chain_der (DER certificates, leaf first, as in the MLS x509
  // Credential) for a LeafNode whose signature_key (RFC 9420 encoding) belongs to a
  // suite with signature scheme `scheme`, at time now.
  ValidationResult validate(std::span<const Bytes> chain_der, ByteView signature_key,
                            crypto::SignatureScheme scheme, TimePoint now);

  const TrustStore& trust_store() const { return trust_store_; }
  const ValidatorOptions& options() const { return options_; }

 private:
  // parse_issuer parses a certificate presented above the leaf, from a cache keyed
  // by its DER: every member of a meeting presents the same intermediates, and
  // parsing is a pure function of the bytes (OpenSSL 3.0 spends ~0.1 ms per
  // certificate decoding its key). Verification still happens per path.
  Result<Certificate> parse_issuer(const Bytes& der);

  // crls_at_hand returns the CRLs revocation would use for leaf (the one supplied
  // for its issuer and one per URL) when all are in the cache; nullopt when a URL
  // is not cached (it must then be fetched, which waits until the path verified).
  std::optional<std::vector<Crl>> crls_at_hand(const Certificate& leaf,
                                               const std::vector<std::string>& urls,
                                               TimePoint now) const;
  // crls_for fetches what crls_at_hand lacks; empty with fetch_error when nothing
  // could be obtained.
  std::vector<Crl> crls_for(const Certificate& leaf, const std::vector<std::string>& urls,
                            TimePoint now, std::string& fetch_error);

  TrustStore trust_store_;
  ValidatorOptions options_;
  CrlFetcher* fetcher_;
  // crl_mutex_ guards crl_cache_; fetch_mutex_ serializes fetches (taken before
  // crl_mutex_, never while holding it).
  mutable std::mutex crl_mutex_;
  std::mutex fetch_mutex_;
  CrlCache crl_cache_;
  // parsed_issuers_ (guarded by parsed_mutex_) holds at most kMaxParsedIssuers
  // certificates; when full it is emptied.
  static constexpr std::size_t kMaxParsedIssuers = 64;
  std::mutex parsed_mutex_;
  std::map<Bytes, Certificate> parsed_issuers_;
  // store_ holds the anchors for OpenSSL's path building, built once; OpenSSL
  // locks its lookups, so validations share it.
  std::shared_ptr<x509_store_st> store_;
};

}  // namespace ztm::identity
