#include "ztm/mls/framing.h"

#include <string>

#include "ztm/crypto/aead.h"
#include "ztm/crypto/random.h"

namespace ztm::mls {

namespace {

constexpr std::string_view kTbsLabel = "FramedContentTBS";

// tbs_context is the GroupContext the TBS carries for this sender type (§6.1).
const GroupContext* tbs_context(const FramedContent& content, const GroupContext& context) {
  const SenderType t = content.sender.sender_type;
  return (t == SenderType::member || t == SenderType::new_member_commit) ? &context : nullptr;
}

Result<void> check_group_and_epoch(const Bytes& group_id, std::uint64_t epoch,
                                   const GroupContext& context) {
  if (group_id != context.group_id) {
    return fail(Errc::protocol_violation, "framing.wrong_group: message is for another group");
  }
  if (epoch != context.epoch) {
    return fail(Errc::wrong_epoch, "framing.wrong_epoch: message epoch " + std::to_string(epoch) +
                                       ", group epoch " + std::to_string(context.epoch));
  }
  return ok();
}

// AuthenticatedContentTBM is struct { FramedContentTBS content_tbs;
// FramedContentAuthData auth; } (§6.2).
Bytes encode_tbm(const FramedContent& content, const FramedContentAuthData& auth,
                 const GroupContext& context) {
  Bytes out = encode_framed_content_tbs(WireFormat::mls_public_message, content,
                                        tbs_context(content, context));
  tls::encode_into(out, auth);
  return out;
}

RatchetType ratchet_for(ContentType type) {
  return type == ContentType::application ? RatchetType::application : RatchetType::handshake;
}

Result<Bytes> aead_seal(const CipherSuite& suite, const SecretBytes& key, ByteView nonce,
                        ByteView aad, ByteView plaintext) {
  ZTM_TRY_ASSIGN(auto aead, crypto::AeadKey::create(suite.aead_id(), key.expose()));
  return aead.seal(nonce, aad, plaintext);
}

Result<Bytes> aead_open(const CipherSuite& suite, const SecretBytes& key, ByteView nonce,
                        ByteView aad, ByteView ciphertext, std::string_view rule) {
  ZTM_TRY_ASSIGN(auto aead, crypto::AeadKey::create(suite.aead_id(), key.expose()));
  auto opened = aead.open(nonce, aad, ciphertext);
  if (!opened) {
    return fail(Errc::authentication_failed, std::string(rule) + ": AEAD open failed");
  }
  return opened;
}

}  // namespace

Result<AuthenticatedContent> sign_content(const CipherSuite& suite, WireFormat wire_format,
                                          FramedContent content, const GroupContext& context,
                                          const crypto::SignaturePrivateKey& key) {
  if (wire_format != WireFormat::mls_public_message &&
      wire_format != WireFormat::mls_private_message) {
    return fail(Errc::invalid_argument,
                "framing.wire_format: content is sent as a public or "
                "private message");
  }
  const Bytes tbs = encode_framed_content_tbs(wire_format, content, tbs_context(content, context));
  ZTM_TRY_ASSIGN(auto signature, suite.sign_with_label(key, kTbsLabel, tbs));
  AuthenticatedContent out;
  out.wire_format = wire_format;
  out.content = std::move(content);
  out.auth.signature = std::move(signature);
  return out;
}

Result<VerifiedContent> verify_content(const CipherSuite& suite, AuthenticatedContent content,
                                       const GroupContext& context, ByteView signature_key) {
  const Bytes tbs = encode_framed_content_tbs(content.wire_format, content.content,
                                              tbs_context(content.content, context));
  auto verified = suite.verify_with_label(signature_key, kTbsLabel, tbs, content.auth.signature);
  if (!verified) {
    return fail(verified.error().code,
                "framing.signature_invalid: FramedContentTBS signature does not verify");
  }
  if (content.content.content_type() == ContentType::commit && !content.auth.confirmation_tag) {
    return fail(Errc::protocol_violation,
                "framing.missing_confirmation_tag: a commit must carry a confirmation tag");
  }
  return VerifiedContent(std::move(content));
}

Result<PublicMessage> protect_public(const CipherSuite& suite, const AuthenticatedContent& content,
                                     const GroupContext& context,
                                     const SecretBytes& membership_key) {
  if (content.wire_format != WireFormat::mls_public_message) {
    return fail(Errc::invalid_argument,
                "public_message.wire_format: content was signed for another wire format");
  }
  if (content.content.content_type() == ContentType::application) {
    return fail(Errc::protocol_violation,
                "public_message.application_data: application data must be a PrivateMessage");
  }
  PublicMessage out;
  out.content = content.content;
  out.auth = content.auth;
  if (content.content.sender.sender_type == SenderType::member) {
    out.membership_tag =
        suite.mac(membership_key.expose(), encode_tbm(out.content, out.auth, context));
  }
  return out;
}

Result<AuthenticatedContent> unprotect_public(const CipherSuite& suite,
                                              const PublicMessage& message,
                                              const GroupContext& context,
                                              const SecretBytes& membership_key) {
  ZTM_TRY(check_group_and_epoch(message.content.group_id, message.content.epoch, context));
  if (message.content.content_type() == ContentType::application) {
    return fail(Errc::protocol_violation,
                "public_message.application_data: application data must be a PrivateMessage");
  }
  if (message.content.sender.sender_type == SenderType::member) {
    if (!message.membership_tag) {
      return fail(Errc::protocol_violation,
                  "public_message.membership_tag_missing: member senders must include one");
    }
    ZTM_TRY(suite.verify_mac(membership_key.expose(),
                             encode_tbm(message.content, message.auth, context),
                             *message.membership_tag, "public_message.membership_tag_invalid"));
  }
  AuthenticatedContent out;
  out.wire_format = WireFormat::mls_public_message;
  out.content = message.content;
  out.auth = message.auth;
  return out;
}

Result<PrivateMessage> protect_private(const CipherSuite& suite,
                                       const AuthenticatedContent& content, SecretTree& tree,
                                       const SecretBytes& sender_data_secret,
                                       const PrivateProtectOptions& options) {
  const FramedContent& fc = content.content;
  if (content.wire_format != WireFormat::mls_private_message) {
    return fail(Errc::invalid_argument,
                "private_message.wire_format: content was signed for another wire format");
  }
  if (fc.sender.sender_type != SenderType::member) {
    return fail(Errc::protocol_violation,
                "private_message.sender_not_member: only members send PrivateMessages");
  }
  if (fc.content_type() == ContentType::commit && !content.auth.confirmation_tag) {
    return fail(Errc::invalid_argument,
                "private_message.missing_confirmation_tag: set the commit's tag first");
  }

  PrivateMessageContent pmc;
  pmc.content = fc.content;
  pmc.auth = content.auth;
  if (options.pad_to_multiple_of > 1) {
    const std::size_t unpadded = pmc.encode().size();
    const std::size_t rem = unpadded % options.pad_to_multiple_of;
    pmc.padding_size = rem == 0 ? 0 : options.pad_to_multiple_of - rem;
  }
  const Bytes plaintext = pmc.encode();

  PrivateMessage out;
  out.group_id = fc.group_id;
  out.epoch = fc.epoch;
  out.content_type = fc.content_type();
  out.authenticated_data = fc.authenticated_data;
  const Bytes aad = tls::encode(
      PrivateContentAAD{out.group_id, out.epoch, out.content_type, out.authenticated_data});

  const LeafIndex leaf{fc.sender.index};
  ZTM_TRY_ASSIGN(auto key, tree.next_send_key(leaf, ratchet_for(out.content_type)));
  SenderData sender_data;
  sender_data.leaf_index = leaf.value;
  sender_data.generation = key.generation;
  crypto::random_fill(sender_data.reuse_guard);
  apply_reuse_guard(sender_data.reuse_guard, key.nonce.mutable_data());
  ZTM_TRY_ASSIGN(out.ciphertext, aead_seal(suite, key.key, key.nonce.expose(), aad, plaintext));

  ZTM_TRY_ASSIGN(auto sdk, derive_sender_data_key(suite, sender_data_secret, out.ciphertext));
  const Bytes sd_aad = tls::encode(SenderDataAAD{out.group_id, out.epoch, out.content_type});
  ZTM_TRY_ASSIGN(out.encrypted_sender_data,
                 aead_seal(suite, sdk.key, sdk.nonce.expose(), sd_aad, tls::encode(sender_data)));
  return out;
}

Result<AuthenticatedContent> unprotect_private(const CipherSuite& suite,
                                               const PrivateMessage& message,
                                               const GroupContext& context, SecretTree& tree,
                                               const SecretBytes& sender_data_secret) {
  ZTM_TRY(check_group_and_epoch(message.group_id, message.epoch, context));

  ZTM_TRY_ASSIGN(auto sdk, derive_sender_data_key(suite, sender_data_secret, message.ciphertext));
  const Bytes sd_aad =
      tls::encode(SenderDataAAD{message.group_id, message.epoch, message.content_type});
  ZTM_TRY_ASSIGN(auto sd_plain,
                 aead_open(suite, sdk.key, sdk.nonce.expose(), sd_aad,
                           message.encrypted_sender_data, "private_message.sender_data_invalid"));
  ZTM_TRY_ASSIGN(const auto sender_data, tls::decode<SenderData>(sd_plain));

  const LeafIndex leaf{sender_data.leaf_index};
  const RatchetType type = ratchet_for(message.content_type);
  ZTM_TRY_ASSIGN(auto key, tree.key_for(leaf, type, sender_data.generation));
  apply_reuse_guard(sender_data.reuse_guard, key.nonce.mutable_data());
  const Bytes aad = tls::encode(PrivateContentAAD{
      message.group_id, message.epoch, message.content_type, message.authenticated_data});
  ZTM_TRY_ASSIGN(auto plaintext, aead_open(suite, key.key, key.nonce.expose(), aad,
                                           message.ciphertext, "private_message.content_invalid"));
  // The key opened a message, so it is consumed (§9.2), even if what it opened
  // turns out to be malformed: only a holder of the key could have sealed it.
  tree.consume(leaf, type, sender_data.generation);
  auto pmc = PrivateMessageContent::decode(plaintext, message.content_type);
  secure_zero(plaintext.data(), plaintext.size());
  if (!pmc) return tl::unexpected(std::move(pmc).error());

  AuthenticatedContent out;
  out.wire_format = WireFormat::mls_private_message;
  out.content.group_id = message.group_id;
  out.content.epoch = message.epoch;
  out.content.sender = Sender::member(leaf.value);
  out.content.authenticated_data = message.authenticated_data;
  out.content.content = std::move(pmc->content);
  out.auth = std::move(pmc->auth);
  return out;
}

}  // namespace ztm::mls
