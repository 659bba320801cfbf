// Message protection (RFC 9420 §6): signing FramedContent (FramedContentTBS), the
// membership tag of PublicMessage (§6.2), and PrivateMessage encryption of content
// and sender data with the secret tree (§6.3).
//
// Unprotecting and verifying are two steps, because the signature key depends on
// the sender and so on the group's ratchet tree, which this file does not see:
//   unprotect_public / unprotect_private  -> AuthenticatedContent (membership tag
//       checked, or decrypted; signature NOT yet checked)
//   verify_content(..., signature_key)    -> VerifiedContent
// Only verify_content constructs a VerifiedContent (STYLE rule 8), so code that
// takes one cannot be handed content whose signature nobody checked.
#pragma once

#include <cstddef>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/signature.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/messages/framed_content.h"
#include "ztm/mls/messages/group_context.h"
#include "ztm/mls/secret_tree.h"

namespace ztm::mls {

// sign_content builds the AuthenticatedContent for content sent as wire_format and
// signs it: signature = SignWithLabel(key, "FramedContentTBS", FramedContentTBS),
// where the TBS includes `context` for member and new_member_commit senders. For
// commits the confirmation_tag is left empty: it depends on the transcript hash,
// which depends on this signature, so the committer sets it afterwards.
Result<AuthenticatedContent> sign_content(const CipherSuite& suite, WireFormat wire_format,
                                          FramedContent content, const GroupContext& context,
                                          const crypto::SignaturePrivateKey& key);

// VerifiedContent is an AuthenticatedContent whose signature was checked against the
// sender's signature key under the epoch's GroupContext.
class VerifiedContent {
 public:
  const AuthenticatedContent& content() const { return content_; }
  // take moves the content out (the VerifiedContent is then spent).
  AuthenticatedContent take() && { return std::move(content_); }

 private:
  friend Result<VerifiedContent> verify_content(const CipherSuite&, AuthenticatedContent,
                                                const GroupContext&, ByteView);
  explicit VerifiedContent(AuthenticatedContent c) : content_(std::move(c)) {}
  AuthenticatedContent content_;
};

// verify_content checks the FramedContentTBS signature with signature_key (the
// sender's, which the caller looked up by sender type, §6.1) and that a commit
// carries a confirmation tag. Errors: authentication_failed
// ("framing.signature_invalid"), protocol_violation ("framing.missing_confirmation_tag").
Result<VerifiedContent> verify_content(const CipherSuite& suite, AuthenticatedContent content,
                                       const GroupContext& context, ByteView signature_key);

// protect_public wraps signed content as a PublicMessage, adding the membership tag
// MAC(membership_key, AuthenticatedContentTBM) for member senders. Application data
// is refused (protocol_violation "public_message.application_data": §6 requires
// PrivateMessage for it), as is content signed for another wire format.
Result<PublicMessage> protect_public(const CipherSuite& suite, const AuthenticatedContent& content,
                                     const GroupContext& context,
                                     const SecretBytes& membership_key);

// unprotect_public checks group_id and epoch against context (protocol_violation /
// wrong_epoch), refuses application data, and checks the membership tag of member
// senders (authentication_failed "public_message.membership_tag_invalid").
Result<AuthenticatedContent> unprotect_public(const CipherSuite& suite,
                                              const PublicMessage& message,
                                              const GroupContext& context,
                                              const SecretBytes& membership_key);

// PrivateProtectOptions: pad_to_multiple_of rounds the PrivateMessageContent up to a
// multiple of that many bytes with zero padding (0 or 1: no padding), hiding the
// exact content length from the service.
struct PrivateProtectOptions {
  std::size_t pad_to_multiple_of = 0;
};

// protect_private encrypts signed content from a member sender as a PrivateMessage,
// using (and consuming) the next generation of the sender's handshake or
// application ratchet, a fresh random reuse_guard, and sender_data_secret.
Result<PrivateMessage> protect_private(const CipherSuite& suite,
                                       const AuthenticatedContent& content, SecretTree& tree,
                                       const SecretBytes& sender_data_secret,
                                       const PrivateProtectOptions& options = {});

// unprotect_private decrypts a PrivateMessage: sender data first, then the content
// with that sender's key for the claimed generation. The key is consumed only once
// the content's AEAD tag verified, so a forgery cannot burn the key of a real
// message. Errors: wrong group or epoch; authentication_failed
// ("private_message.sender_data_invalid" / "private_message.content_invalid"); the
// secret tree's errors for the generation (too old, too far ahead, replay);
// invalid_encoding for malformed plaintext or non-zero padding. The caller must
// still check that the sender's leaf is occupied (§6.3.2) and verify the signature.
Result<AuthenticatedContent> unprotect_private(const CipherSuite& suite,
                                               const PrivateMessage& message,
                                               const GroupContext& context, SecretTree& tree,
                                               const SecretBytes& sender_data_secret);

}  // namespace ztm::mls
