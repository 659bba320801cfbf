// External proposals (RFC 9420 §12.1.8): an external_senders party and a
// self-adding new member sign proposals from outside the group.
#include "ztm/mls/external_sender.h"

#include <algorithm>

#include "ztm/mls/framing.h"
#include "ztm/mls/proposal_list.h"

// GCC 12 reports -Wmaybe-uninitialized inside std::variant's move constructor
// when an MLSMessage is built here (see group_framing.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ztm::mls {
namespace {

// sign_external signs content from a non-member sender and wraps it as a
// PublicMessage: such senders have no membership key, and §6.2 gives their
// messages no membership tag.
Result<MLSMessage> sign_external(const CipherSuite& suite, const GroupContext& context,
                                 Sender sender, Proposal proposal, ByteView authenticated_data,
                                 const crypto::SignaturePrivateKey& key) {
  if (context.cipher_suite != suite.id()) {
    return fail(Errc::invalid_argument, "external_proposal.cipher_suite: the group uses suite " +
                                            std::to_string(context.cipher_suite) +
                                            ", the signer suite " + std::to_string(suite.id()));
  }
  ZTM_TRY(validate_proposal_sender(proposal, sender));
  FramedContent content;
  content.group_id = context.group_id;
  content.epoch = context.epoch;
  content.sender = sender;
  content.authenticated_data = to_bytes(authenticated_data);
  content.content = std::move(proposal);
  ZTM_TRY_ASSIGN(
      AuthenticatedContent signed_content,
      sign_content(suite, WireFormat::mls_public_message, std::move(content), context, key));
  const SecretBytes no_membership_key;
  ZTM_TRY_ASSIGN(PublicMessage message,
                 protect_public(suite, signed_content, context, no_membership_key));
  return MLSMessage{std::move(message)};
}

}  // namespace

Result<ExternalSigner> ExternalSigner::create(const CipherSuite& suite,
                                              crypto::SignaturePrivateKey signature_key,
                                              Credential credential) {
  if (signature_key.scheme() != suite.signature_scheme()) {
    return fail(Errc::invalid_key,
                "external_sender.signer_scheme: the signature key does not fit suite " +
                    std::to_string(suite.id()));
  }
  return ExternalSigner(suite, std::move(signature_key), std::move(credential));
}

Result<ExternalSigner> ExternalSigner::generate(const CipherSuite& suite, Credential credential) {
  ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::generate(suite.signature_scheme()));
  return create(suite, std::move(key), std::move(credential));
}

ExternalSender ExternalSigner::external_sender() const {
  return ExternalSender{key_.public_key(), credential_};
}

Result<std::uint32_t> ExternalSigner::sender_index(const GroupContext& context) const {
  ZTM_TRY_ASSIGN(auto senders, context.extensions.get<ExternalSendersExtension>());
  if (senders) {
    const Bytes& own = key_.public_key();
    for (std::size_t i = 0; i < senders->senders.size(); ++i) {
      if (senders->senders[i].signature_key == own) return static_cast<std::uint32_t>(i);
    }
  }
  return fail(Errc::not_found,
              "external_sender.not_listed: this signer is not in the group's external_senders "
              "(§12.1.8.1)");
}

Result<MLSMessage> ExternalSigner::propose(const GroupContext& context, Proposal proposal,
                                           ByteView authenticated_data) const {
  ZTM_TRY_ASSIGN(std::uint32_t index, sender_index(context));
  return sign_external(suite_, context, Sender::external(index), std::move(proposal),
                       authenticated_data, key_);
}

Result<MLSMessage> propose_new_member_add(const GroupContext& context,
                                          const KeyPackageBundle& key_package,
                                          ByteView authenticated_data) {
  ZTM_TRY_ASSIGN(CipherSuite suite, CipherSuite::create(key_package.key_package.cipher_suite));
  return sign_external(suite, context, Sender::new_member_proposal(),
                       Proposal{Add{key_package.key_package}}, authenticated_data,
                       key_package.signer.signature_key);
}

std::optional<LeafIndex> find_leaf_by_credential(const RatchetTree& tree,
                                                 const Credential& credential) {
  for (std::uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    const LeafNode* leaf = tree.leaf(LeafIndex{i});
    if (leaf != nullptr && leaf->credential == credential) return LeafIndex{i};
  }
  return std::nullopt;
}

Result<void> verify_group_info(const GroupInfo& info, const RatchetTree& tree) {
  const CipherSuite& suite = tree.suite();
  if (suite.id() != info.group_context.cipher_suite) {
    return fail(Errc::invalid_argument, "group_info.cipher_suite: tree and GroupInfo differ");
  }
  if (tree.root_tree_hash() != info.group_context.tree_hash) {
    return fail(Errc::protocol_violation,
                "group_info.tree_hash_mismatch: the tree does not hash to the GroupInfo's "
                "tree_hash");
  }
  const LeafNode* signer = tree.leaf(LeafIndex{info.signer});
  if (signer == nullptr) {
    return fail(Errc::protocol_violation, "group_info.signer_blank: the signer's leaf is blank");
  }
  if (!suite.verify_with_label(signer->signature_key, "GroupInfoTBS", info.to_be_signed(),
                               info.signature)) {
    return fail(Errc::authentication_failed, "group_info.signature_invalid");
  }
  return ok();
}

}  // namespace ztm::mls
