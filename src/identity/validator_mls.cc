#include "ztm/identity/validator_mls.h"

#include <variant>

namespace ztm::identity {

ValidationResult validate_mls_credential(Validator& validator, const mls::Credential& credential,
                                         ByteView signature_key, crypto::SignatureScheme scheme,
                                         TimePoint now) {
  const auto* x509 = std::get_if<mls::X509Credential>(&credential.value);
  if (x509 == nullptr) {
    ValidationResult r;
    r.status = CredentialStatus::invalid;
    r.reason = "credential is not an x509 credential";
    return r;
  }
  std::vector<Bytes> chain;
  chain.reserve(x509->certificates.size());
  for (const auto& cert : x509->certificates) chain.push_back(cert.cert_data);
  return validator.validate(chain, signature_key, scheme, now);
}

Result<MlsCredentialValidator> MlsCredentialValidator::create(Validator& validator,
                                                              std::uint16_t cipher_suite,
                                                              bool accept_provider_authenticated,
                                                              Clock clock) {
  ZTM_TRY_ASSIGN(auto scheme, signature_scheme_for_suite(cipher_suite));
  return MlsCredentialValidator(validator, scheme, accept_provider_authenticated, std::move(clock));
}

Result<void> MlsCredentialValidator::validate(const mls::Credential& credential,
                                              ByteView signature_key) const {
  if (!std::holds_alternative<mls::X509Credential>(credential.value)) {
    return fail(Errc::unsupported, "only x509 credentials are accepted");
  }
  const auto result =
      validate_mls_credential(*validator_, credential, signature_key, scheme_, clock_());
  switch (result.status) {
    case CredentialStatus::verified:
      return ok();
    case CredentialStatus::provider_authenticated:
      if (accept_provider_) return ok();
      return fail(Errc::untrusted, "identity is provider-authenticated, not verified: " +
                                       result.credential->identity().value);
    case CredentialStatus::expired:
      return fail(Errc::expired, result.reason);
    case CredentialStatus::revoked:
      return fail(Errc::revoked, result.reason);
    case CredentialStatus::invalid:
      break;
  }
  return fail(Errc::untrusted, result.reason);
}

}  // namespace ztm::identity
