#include "ztm/mls/credential_validator.h"

namespace ztm::mls {

Result<void> BasicCredentialValidator::validate(const Credential& credential,
                                                ByteView signature_key) const {
  if (credential.type() != CredentialType::basic) {
    return fail(Errc::unsupported, "credential.unsupported_type: only basic credentials accepted");
  }
  if (signature_key.empty()) {
    return fail(Errc::invalid_key, "credential.empty_signature_key");
  }
  return ok();
}

}  // namespace ztm::mls
