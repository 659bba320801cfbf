#include "ztm/meeting/policy.h"

namespace ztm::meeting {

std::string_view to_string(Policy policy) {
  switch (policy) {
    case Policy::verified_only:
      return "verified_only";
    case Policy::provider_allowed:
      return "provider_allowed";
  }
  return "unknown";
}

Result<Policy> policy_of(const mls::ExtensionList& group_context_extensions) {
  auto ext = group_context_extensions.get<MeetingPolicyExtension>();
  if (!ext) {
    return fail(Errc::protocol_violation,
                "meeting.policy: malformed policy extension: " + ext.error().message);
  }
  if (!*ext) return fail(Errc::protocol_violation, "meeting.policy: the group has no policy");
  if ((*ext)->version != 1) {
    return fail(Errc::protocol_violation,
                "meeting.policy: unknown policy version " + std::to_string((*ext)->version));
  }
  switch ((*ext)->policy) {
    case static_cast<std::uint8_t>(Policy::verified_only):
      return Policy::verified_only;
    case static_cast<std::uint8_t>(Policy::provider_allowed):
      return Policy::provider_allowed;
    default:
      return fail(Errc::protocol_violation,
                  "meeting.policy: unknown policy " + std::to_string((*ext)->policy));
  }
}

bool policy_allows(Policy policy, const MemberIdentity& identity) {
  if (identity.status == IdentityStatus::verified) return true;
  return policy == Policy::provider_allowed &&
         identity.status == IdentityStatus::provider_authenticated;
}

}  // namespace ztm::meeting
