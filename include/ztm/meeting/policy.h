// The meeting policy: which identities may be members of the group. It travels
// inside the group as a GroupContext extension, so it is part of the signed group
// state every member agrees on (RFC 9420 §8.1 GroupContext, §13 extensibility), and
// every member checks every Add against it itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/meeting/identity_verifier.h"
#include "ztm/mls/messages/extension.h"
#include "ztm/mls/messages/types.h"

namespace ztm::meeting {

// Policy: what a member's credential must be.
enum class Policy : std::uint8_t {
  verified_only = 1,     // every member verified by an organization anchor
  provider_allowed = 2,  // provider-authenticated members allowed (shown as not verified)
};
std::string_view to_string(Policy policy);

// kPolicyExtensionType is the GroupContext extension carrying the policy, from the
// private-use range of the MLS Extension Types registry (RFC 9420 §17.3:
// 0xF000-0xFFFF). Every member's leaf capabilities list it (§7.2), so a client that
// does not understand it cannot join.
inline constexpr mls::ExtensionType kPolicyExtensionType = static_cast<mls::ExtensionType>(0xF3E7);

// struct {
//     uint8 version = 1;
//     uint8 policy;      // Policy
// } MeetingPolicy;       (docs/meeting.md, "Policy")
struct MeetingPolicyExtension {
  static constexpr mls::ExtensionType kType = kPolicyExtensionType;
  std::uint8_t version = 1;
  std::uint8_t policy = static_cast<std::uint8_t>(Policy::provider_allowed);

  ZTM_TLS_FIELDS(version, policy)
  bool operator==(const MeetingPolicyExtension&) const = default;
};

// policy_of reads the group's policy from its GroupContext extensions: a missing,
// malformed or unknown policy is protocol_violation (fail closed).
Result<Policy> policy_of(const mls::ExtensionList& group_context_extensions);

// policy_allows: does the policy accept a member with this identity?
bool policy_allows(Policy policy, const MemberIdentity& identity);

}  // namespace ztm::meeting
