// Validator: profile, key binding, path, scope and revocation, in that order; the
// first failure decides the status (docs/identity.md, "Validator statuses").
#include "ztm/identity/validator.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal/a_openssl.h"
#include "internal/a_path.h"

namespace ztm::identity {

std::string_view credential_status_name(CredentialStatus status) {
  switch (status) {
    case CredentialStatus::verified:
      return "verified";
    case CredentialStatus::provider_authenticated:
      return "provider-authenticated";
    case CredentialStatus::expired:
      return "expired";
    case CredentialStatus::revoked:
      return "revoked";
    case CredentialStatus::invalid:
      return "invalid";
  }
  return "invalid";
}

std::string ValidationResult::summary() const {
  std::string out(credential_status_name(status));
  out += ": ";
  if (credential && status == CredentialStatus::verified) {
    out += credential->identity().value + " (" + credential->organization() + ")";
  } else if (credential && status == CredentialStatus::provider_authenticated) {
    out += credential->identity().value + " (not verified)";
  } else {
    out += reason;
  }
  return out;
}

namespace {

ValidationResult rejected(CredentialStatus status, std::string reason) {
  ValidationResult r;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

ValidationResult invalid(std::string reason) {
  return rejected(CredentialStatus::invalid, std::move(reason));
}

std::string common_name(const Certificate& cert) {
  const X509_NAME* name = X509_get_subject_name(cert.x509());
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

ValidationResult from_path_error(const internal::PathCheck& check) {
  if (internal::is_validity_error(check.error)) {
    return rejected(CredentialStatus::expired, check.message);
  }
  if (check.error == X509_V_ERR_CERT_REVOKED) {
    return rejected(CredentialStatus::revoked, check.message);
  }
  return invalid(check.message);
}

}  // namespace

Validator::Validator(TrustStore trust_store, ValidatorOptions options, CrlFetcher* fetcher)
    : trust_store_(std::move(trust_store)), options_(options), fetcher_(fetcher) {
  X509_STORE* store = X509_STORE_new();
  if (store != nullptr) {
    for (const auto& anchor : trust_store_.anchors()) {
      // On failure the store lacks an anchor: its credentials fail closed.
      X509_STORE_add_cert(store, anchor.certificate.x509());
    }
    store_ = std::shared_ptr<X509_STORE>(store, [](X509_STORE* s) { X509_STORE_free(s); });
  }
  ERR_clear_error();
}

Result<void> Validator::add_crl(const Crl& crl) {
  if (crl.der().size() > options_.limits.max_crl_size_bytes) {
    return fail(Errc::limit_exceeded, "CRL larger than max_crl_size_bytes");
  }
  std::lock_guard lock(crl_mutex_);
  crl_cache_.add_supplied(crl);
  return ok();
}

Result<Certificate> Validator::parse_issuer(const Bytes& der) {
  {
    std::lock_guard lock(parsed_mutex_);
    if (auto it = parsed_issuers_.find(der); it != parsed_issuers_.end()) return it->second;
  }
  // Parse outside the lock; a certificate that does not parse is not cached (its
  // error is rare and cheap to find again).
  ZTM_TRY_ASSIGN(auto cert, Certificate::from_der(der));
  // Fill OpenSSL's per-certificate extension cache now, before other threads share
  // the object (as TrustStore's X509_check_ca does for anchors): OpenSSL 3.0 fills
  // it lazily on first use, and concurrent first uses race on it.
  X509_check_purpose(cert.x509(), -1, 0);
  std::lock_guard lock(parsed_mutex_);
  if (parsed_issuers_.size() >= kMaxParsedIssuers) parsed_issuers_.clear();
  parsed_issuers_.emplace(der, cert);
  return cert;
}

std::optional<std::vector<Crl>> Validator::crls_at_hand(const Certificate& leaf,
                                                        const std::vector<std::string>& urls,
                                                        TimePoint now) const {
  std::lock_guard lock(crl_mutex_);
  std::vector<Crl> crls;
  if (auto supplied = crl_cache_.supplied_for_issuer(leaf.issuer())) crls.push_back(*supplied);
  for (const auto& url : urls) {
    auto cached = crl_cache_.get(url, now);
    if (!cached) return std::nullopt;
    crls.push_back(std::move(*cached));
  }
  return crls;
}

std::vector<Crl> Validator::crls_for(const Certificate& leaf, const std::vector<std::string>& urls,
                                     TimePoint now, std::string& fetch_error) {
  std::vector<Crl> crls;
  {
    std::lock_guard lock(crl_mutex_);
    if (auto supplied = crl_cache_.supplied_for_issuer(leaf.issuer())) crls.push_back(*supplied);
  }
  for (const auto& url : urls) {
    // One fetch at a time: a second thread waiting here for the same URL then
    // finds the first one's CRL in the cache instead of downloading it again.
    std::lock_guard fetching(fetch_mutex_);
    std::optional<Crl> cached;
    {
      std::lock_guard lock(crl_mutex_);
      cached = crl_cache_.get(url, now);
    }
    if (cached) {
      crls.push_back(std::move(*cached));
      continue;
    }
    if (fetcher_ == nullptr) {
      fetch_error = "no CRL fetcher configured for " + url;
      continue;
    }
    const std::size_t max_size = options_.limits.max_crl_size_bytes;
    auto bytes = fetcher_->fetch(url, max_size);
    auto crl = bytes ? Crl::from_der(*bytes, max_size) : Result<Crl>(tl::unexpected(bytes.error()));
    if (!crl) {
      fetch_error = crl.error().message;
      continue;
    }
    {
      std::lock_guard lock(crl_mutex_);
      crl_cache_.put(url, *crl);
    }
    crls.push_back(std::move(*crl));
  }
  return crls;
}

ValidationResult Validator::validate(std::span<const Bytes> chain_der, ByteView signature_key,
                                     crypto::SignatureScheme scheme, TimePoint now) {
  const auto& limits = options_.limits;
  if (!store_) return invalid("trust store unavailable (out of memory)");
  if (chain_der.empty()) return invalid("credential carries no certificate");
  if (chain_der.size() > limits.max_certificates) {
    return invalid("credential carries " + std::to_string(chain_der.size()) +
                   " certificates; at most " + std::to_string(limits.max_certificates) +
                   " allowed");
  }
  if (limits.max_chain_length < 2) return invalid("max_chain_length must be at least 2");
  std::vector<Certificate> presented;
  presented.reserve(chain_der.size());
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    auto cert = i == 0 ? Certificate::from_der(chain_der[i]) : parse_issuer(chain_der[i]);
    if (!cert) return invalid("certificate " + std::to_string(i) + ": " + cert.error().message);
    presented.push_back(std::move(*cert));
  }
  const Certificate& leaf = presented.front();

  // The profile and the key binding need no signature check: reject early.
  auto identity = leaf_identity(leaf);
  if (!identity) return invalid(identity.error().message);
  if (auto profile = check_leaf_profile(leaf, *identity, scheme); !profile) {
    return invalid(profile.error().message);
  }
  auto leaf_key = leaf_public_key(leaf);
  if (!leaf_key) return invalid(leaf_key.error().message);
  if (!equal(leaf_key->public_key, signature_key)) {
    return invalid("leaf certificate key differs from the LeafNode signature key");
  }

  // Revocation needs the CRLs of the leaf. When they are all at hand (supplied, or
  // cached from an earlier leaf of the same CA), one path validation with them
  // decides a good credential: every check of the two-step route below is in it,
  // at the same time (no skew retry here, so that a success means exactly what the
  // two steps' success means). Any failure takes the two-step route, whose first
  // failure decides the status as it always did.
  const auto urls = internal::crl_urls(leaf);
  std::optional<internal::PathCheck> path;
  if (auto at_hand = crls_at_hand(leaf, urls, now); at_hand && !at_hand->empty()) {
    internal::X509CrlStackPtr stack(sk_X509_CRL_new_null());
    bool pushed = stack != nullptr;
    for (const auto& crl : *at_hand) {
      pushed = pushed && sk_X509_CRL_push(stack.get(), crl.x509_crl()) != 0;
    }
    if (pushed) {
      auto checked = internal::verify_path(store_.get(), presented, stack.get(), now,
                                           std::chrono::seconds(0), limits.max_chain_length);
      if (checked.error == X509_V_OK) path = std::move(checked);
    }
  }
  const bool revocation_checked = path.has_value();
  if (!path) {
    path = internal::verify_path(store_.get(), presented, nullptr, now, options_.clock_skew,
                                 limits.max_chain_length);
    if (path->error != X509_V_OK) return from_path_error(*path);
  }
  const Anchor* anchor = trust_store_.find(path->path.back());
  if (anchor == nullptr) return invalid("path ends at a certificate that is not an anchor");

  // identity_domain cannot fail here: leaf_identity checked the syntax.
  const std::string domain = identity_domain(*identity).value_or(std::string{});
  if (anchor->role == AnchorRole::organization) {
    bool in_scope = false;
    for (const auto& scope : anchor->domains) in_scope = in_scope || domain_in_scope(domain, scope);
    if (!in_scope) {
      std::string domains;
      for (const auto& d : anchor->domains) domains += (domains.empty() ? "" : ", ") + d;
      return invalid(identity->value + " is outside the domains of " + anchor->organization + " (" +
                     domains + ")");
    }
  }

  // Revocation: only now that a trusted CA issued the leaf do we follow its URL.
  if (!revocation_checked) {
    std::string fetch_error;
    const std::vector<Crl> crls = crls_for(leaf, urls, now, fetch_error);
    if (!urls.empty() && crls.empty()) {
      return invalid("revocation status unavailable: " + fetch_error);
    }
    if (!crls.empty()) {
      internal::X509CrlStackPtr stack(sk_X509_CRL_new_null());
      if (!stack) return invalid("out of memory");
      for (const auto& crl : crls) {
        if (sk_X509_CRL_push(stack.get(), crl.x509_crl()) == 0) return invalid("out of memory");
      }
      auto revocation = internal::verify_path(store_.get(), presented, stack.get(), now,
                                              options_.clock_skew, limits.max_chain_length);
      if (revocation.error == X509_V_ERR_CERT_REVOKED) {
        return rejected(CredentialStatus::revoked,
                        "leaf certificate revoked (serial " + leaf.serial_hex() + ")");
      }
      if (revocation.error != X509_V_OK) {
        return invalid("revocation check failed: " + revocation.message);
      }
    }
  }

  ValidatedCredential credential;
  credential.identity_ = std::move(*identity);
  credential.domain_ = domain;
  credential.anchor_role_ = anchor->role;
  credential.organization_ = anchor->organization;
  credential.display_name_ = common_name(leaf);
  credential.chain_ = std::move(path->path);
  ValidationResult result;
  result.status = anchor->role == AnchorRole::organization
                      ? CredentialStatus::verified
                      : CredentialStatus::provider_authenticated;
  result.credential = std::move(credential);
  return result;
}

}  // namespace ztm::identity
