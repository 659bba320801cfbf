// The MLS hookup of the X.509 validator: RFC 9420 §5.3.1 leaves the Authentication
// Service to the application; MlsCredentialValidator is ztmeet's, for x509
// credentials.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "ztm/identity/validator.h"
#include "ztm/mls/credential_validator.h"

namespace ztm::identity {

// validate_mls_credential runs the Validator on an MLS Credential: an x509
// credential's chain is validated; any other credential type is invalid (ztmeet
// members always carry X.509 chains). The meeting layer uses the result for the
// participant list.
ValidationResult validate_mls_credential(Validator& validator, const mls::Credential& credential,
                                         ByteView signature_key, crypto::SignatureScheme scheme,
                                         TimePoint now);

// MlsCredentialValidator adapts a Validator to mls::CredentialValidator for one
// group's cipher suite. A credential passes when it is verified, or
// provider_authenticated if accept_provider_authenticated; otherwise the error is
// expired, revoked or untrusted (invalid, or not verified when verification is
// required) with the validator's reason; a non-x509 credential is unsupported.
// The validator (and its CRL fetcher) must outlive this object. validate may run
// concurrently (thread_safe() is true: the Validator is thread-safe), so the
// clock must be callable from several threads at once, as the default is.
class MlsCredentialValidator final : public mls::CredentialValidator {
 public:
  using Clock = std::function<TimePoint()>;

  // create fails with unsupported for an unknown cipher suite.
  static Result<MlsCredentialValidator> create(
      Validator& validator, std::uint16_t cipher_suite, bool accept_provider_authenticated,
      Clock clock = [] { return std::chrono::system_clock::now(); });

  Result<void> validate(const mls::Credential& credential, ByteView signature_key) const override;
  bool thread_safe() const override { return true; }

 private:
  MlsCredentialValidator(Validator& validator, crypto::SignatureScheme scheme, bool accept_provider,
                         Clock clock)
      : validator_(&validator),
        scheme_(scheme),
        accept_provider_(accept_provider),
        clock_(std::move(clock)) {}

  Validator* validator_;
  crypto::SignatureScheme scheme_;
  bool accept_provider_;
  Clock clock_;
};

}  // namespace ztm::identity
