#include "ztm/mls/extensions.h"

#include <algorithm>

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

namespace {
Result<void> missing(const char* what, unsigned value) {
  return fail(Errc::protocol_violation, std::string("leaf_node.missing_required_capability: ") +
                                            what + " " + std::to_string(value) + " not supported");
}
}  // namespace

Result<void> RequiredCapabilitiesExtension::satisfied_by(const Capabilities& caps) const {
  for (auto t : extension_types) {
    if (!caps.supports_extension(t)) return missing("extension type", static_cast<unsigned>(t));
  }
  for (auto t : proposal_types) {
    if (!caps.supports_proposal(t)) return missing("proposal type", static_cast<unsigned>(t));
  }
  for (auto t : credential_types) {
    if (!caps.supports_credential(t)) return missing("credential type", static_cast<unsigned>(t));
  }
  return ok();
}

void RequiredCapabilitiesExtension::tls_encode(tls::Writer& w) const {
  tls::write(w, extension_types);
  tls::write(w, proposal_types);
  tls::write(w, credential_types);
}

Result<void> RequiredCapabilitiesExtension::tls_decode(tls::Reader& r) {
  constexpr auto kMax = limits::kMaxCapabilityEntries;
  ZTM_TRY(internal::read_bounded_vector(r, extension_types, kMax, "required_capabilities"));
  ZTM_TRY(internal::read_bounded_vector(r, proposal_types, kMax, "required_capabilities"));
  return internal::read_bounded_vector(r, credential_types, kMax, "required_capabilities");
}

std::size_t RequiredCapabilitiesExtension::tls_size() const {
  return internal::vector_size(extension_types) + internal::vector_size(proposal_types) +
         internal::vector_size(credential_types);
}

void ExternalSendersExtension::tls_encode(tls::Writer& w) const {
  tls::write(w, senders);
}

Result<void> ExternalSendersExtension::tls_decode(tls::Reader& r) {
  return internal::read_bounded_vector(r, senders, limits::kMaxExternalSenders, "external_senders");
}

std::size_t ExternalSendersExtension::tls_size() const {
  return internal::vector_size(senders);
}

}  // namespace ztm::mls
