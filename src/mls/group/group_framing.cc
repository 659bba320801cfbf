// mls::Group's use of the framing layer (RFC 9420 §6): choosing the wire
// format, looking up the sender's signature key, and picking the epoch a
// message belongs to.
#include "internal/group_framing.h"

// GCC 12 reports -Wmaybe-uninitialized inside std::variant's move constructor
// when an MLSMessage is built from a message here (a known false positive of
// its optimizer with variants of vectors); the warning is silenced for this
// file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "ztm/mls/extensions.h"

namespace ztm::mls {
namespace {

// signature_key_for finds the key a message's sender signs with (§6.1).
Result<Bytes> signature_key_for(const GroupState& s, const AuthenticatedContent& ac) {
  const Sender& sender = ac.content.sender;
  switch (sender.sender_type) {
    case SenderType::member: {
      const LeafNode* leaf = s.tree.leaf(LeafIndex{sender.index});
      if (leaf == nullptr) {
        return fail(Errc::protocol_violation,
                    "framing.sender_blank: no member at leaf " + std::to_string(sender.index));
      }
      return leaf->signature_key;
    }
    case SenderType::external: {
      ZTM_TRY_ASSIGN(auto senders, s.context.extensions.get<ExternalSendersExtension>());
      if (!senders || sender.index >= senders->senders.size()) {
        return fail(Errc::protocol_violation,
                    "framing.unknown_external_sender: no such entry in external_senders");
      }
      return senders->senders[sender.index].signature_key;
    }
    case SenderType::new_member_commit: {
      const auto* commit = std::get_if<Commit>(&ac.content.content);
      if (commit == nullptr || !commit->path) {
        return fail(Errc::protocol_violation,
                    "framing.new_member_commit: an external Commit must carry a path");
      }
      return commit->path->leaf_node.signature_key;
    }
    case SenderType::new_member_proposal: {
      const auto* proposal = std::get_if<Proposal>(&ac.content.content);
      const Add* add = proposal != nullptr ? std::get_if<Add>(&proposal->value) : nullptr;
      if (add == nullptr) {
        return fail(Errc::protocol_violation,
                    "framing.new_member_proposal: only an Add may come from a "
                    "new member");
      }
      return add->key_package.leaf_node.signature_key;
    }
  }
  return fail(Errc::protocol_violation, "framing.sender_type");
}

Result<ReceivedContent> finish(const CipherSuite& suite, AuthenticatedContent ac,
                               const GroupContext& context, ByteView signature_key,
                               std::shared_ptr<PastEpoch> past) {
  ZTM_TRY_ASSIGN(VerifiedContent verified,
                 verify_content(suite, std::move(ac), context, signature_key));
  return ReceivedContent{std::move(verified).take(), std::move(past)};
}

}  // namespace

Result<MLSMessage> protect_content(GroupState& s, const AuthenticatedContent& content) {
  if (content.wire_format == WireFormat::mls_private_message) {
    PrivateProtectOptions options;
    options.pad_to_multiple_of = s.config.padding_block;
    ZTM_TRY_ASSIGN(PrivateMessage message, protect_private(s.suite, content, s.secret_tree,
                                                           s.secrets.sender_data_secret, options));
    return MLSMessage{std::move(message)};
  }
  ZTM_TRY_ASSIGN(PublicMessage message,
                 protect_public(s.suite, content, s.context, s.secrets.membership_key));
  return MLSMessage{std::move(message)};
}

Result<ReceivedContent> unprotect_message(GroupState& s, const MLSMessage& message) {
  if (const auto* pub = std::get_if<PublicMessage>(&message.value)) {
    ZTM_TRY_ASSIGN(AuthenticatedContent ac,
                   unprotect_public(s.suite, *pub, s.context, s.secrets.membership_key));
    ZTM_TRY_ASSIGN(Bytes key, signature_key_for(s, ac));
    return finish(s.suite, std::move(ac), s.context, key, nullptr);
  }
  const auto* priv = std::get_if<PrivateMessage>(&message.value);
  if (priv == nullptr) {
    return fail(Errc::invalid_argument,
                "message.wire_format: only PublicMessage and PrivateMessage "
                "are processed");
  }
  if (priv->group_id != s.context.group_id) {
    return fail(Errc::protocol_violation, "message.group_id: not this group's message");
  }
  if (priv->epoch == s.context.epoch) {
    ZTM_TRY_ASSIGN(
        AuthenticatedContent ac,
        unprotect_private(s.suite, *priv, s.context, s.secret_tree, s.secrets.sender_data_secret));
    if (ac.content.sender.sender_type != SenderType::member) {
      return fail(Errc::protocol_violation, "private_message.sender_type: members only");
    }
    ZTM_TRY_ASSIGN(Bytes key, signature_key_for(s, ac));
    return finish(s.suite, std::move(ac), s.context, key, nullptr);
  }
  // A late application message of a kept earlier epoch (§15.3).
  for (const auto& past : s.past_epochs) {
    if (past->epoch != priv->epoch) continue;
    if (priv->content_type != ContentType::application) {
      return fail(Errc::wrong_epoch,
                  "message.old_epoch_handshake: handshake of epoch " + std::to_string(priv->epoch));
    }
    ZTM_TRY_ASSIGN(AuthenticatedContent ac,
                   unprotect_private(s.suite, *priv, past->context, *past->secret_tree,
                                     past->sender_data_secret));
    const std::uint32_t index = ac.content.sender.index;
    if (ac.content.sender.sender_type != SenderType::member ||
        index >= past->signature_keys.size() || past->signature_keys[index].empty()) {
      return fail(Errc::protocol_violation, "framing.sender_blank: no member at that leaf");
    }
    const Bytes key = past->signature_keys[index];
    return finish(s.suite, std::move(ac), past->context, key, past);
  }
  return fail(Errc::wrong_epoch, "message.unknown_epoch: epoch " + std::to_string(priv->epoch) +
                                     " is neither current nor kept");
}

}  // namespace ztm::mls
