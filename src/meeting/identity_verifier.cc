#include "ztm/meeting/identity_verifier.h"

#include <string_view>
#include <vector>

#include "ztm/base/tls_codec.h"

namespace ztm::meeting {

X509IdentityVerifier::X509IdentityVerifier(identity::Validator& validator,
                                           crypto::SignatureScheme scheme, Clock clock,
                                           std::chrono::seconds cache_ttl)
    : validator_(&validator), scheme_(scheme), clock_(std::move(clock)), cache_ttl_(cache_ttl) {}

MemberIdentity X509IdentityVerifier::inspect(const mls::Credential& credential,
                                             ByteView signature_key) const {
  const auto* x509 = std::get_if<mls::X509Credential>(&credential.value);
  if (x509 == nullptr) {
    return {IdentityStatus::invalid, {}, {}, "not an x509 credential"};
  }
  const auto now = clock_();
  Bytes key(signature_key.begin(), signature_key.end());
  tls::encode_into(key, credential);
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (now - it->second.at < cache_ttl_ && now >= it->second.at) return it->second.identity;
      cache_.erase(it);
    }
  }
  std::vector<Bytes> chain;
  chain.reserve(x509->certificates.size());
  for (const auto& c : x509->certificates) chain.push_back(c.cert_data);
  const identity::ValidationResult r = validator_->validate(chain, signature_key, scheme_, now);
  MemberIdentity out;
  out.status = r.status;
  out.reason = r.reason;
  if (r.credential) {
    out.display = r.credential->identity().value;
    out.organization = r.credential->organization();
  }
  // Bound the cache: a meeting holds at most a few tens of thousands of credentials.
  std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= 65536) cache_.clear();
  cache_.insert_or_assign(std::move(key), Cached{out, now});
  return out;
}

MemberIdentity BasicIdentityVerifier::inspect(const mls::Credential& credential,
                                              ByteView /*signature_key*/) const {
  const auto* basic = std::get_if<mls::BasicCredential>(&credential.value);
  if (basic == nullptr) return {IdentityStatus::invalid, {}, {}, "not a basic credential"};
  const std::string_view id(reinterpret_cast<const char*>(basic->identity.data()),
                            basic->identity.size());
  constexpr std::string_view kVerified = "verified:";
  constexpr std::string_view kProvider = "provider:";
  if (id.starts_with(kVerified)) {
    return {IdentityStatus::verified, std::string(id.substr(kVerified.size())), "Test Org", {}};
  }
  if (id.starts_with(kProvider)) {
    return {IdentityStatus::provider_authenticated,
            std::string(id.substr(kProvider.size())),
            {},
            "provider-authenticated (not verified)"};
  }
  return {IdentityStatus::invalid, std::string(id), {}, "unknown test identity"};
}

}  // namespace ztm::meeting
