// Framing glue between mls::Group and the framing layer (RFC 9420 §6): signing
// a FramedContent, protecting it in the group's wire format, and unprotecting a
// received message into a verified AuthenticatedContent.
#pragma once

#include "internal/group_state.h"
#include "ztm/mls/framing.h"

namespace ztm::mls {

// protect_content wraps a signed AuthenticatedContent of the current epoch as a
// PublicMessage (membership tag for member senders) or a PrivateMessage
// (consuming the sender's next handshake or application key).
Result<MLSMessage> protect_content(GroupState& state, const AuthenticatedContent& content);

// ReceivedContent is a received message whose framing, membership tag or
// decryption, and signature all verified.
struct ReceivedContent {
  AuthenticatedContent content;
  // past is set when the message belongs to a kept earlier epoch.
  std::shared_ptr<PastEpoch> past;
};

// unprotect_message verifies a PublicMessage or PrivateMessage addressed to
// this group, in the current epoch or (application data only) a kept earlier
// one. Keys used are consumed only on success.
Result<ReceivedContent> unprotect_message(GroupState& state, const MLSMessage& message);

}  // namespace ztm::mls
