// mls::Group: receiving proposals, application data and Commits (RFC 9420
// §12.1, §12.4.2), and sending proposals and application data.
#include <algorithm>

#include "internal/group_framing.h"
#include "internal/group_state.h"
#include "ztm/mls/transcript_hash.h"

namespace ztm::mls {

Result<SecretBytes> resolve_psk_secret(const GroupState& s, const std::vector<PreSharedKeyID>& ids);
Result<std::unique_ptr<GroupState>> make_next_state(const GroupState& s, GroupContext context,
                                                    RatchetTree tree, LeafIndex own,
                                                    TreeKemPrivateKey private_key,
                                                    EpochSecrets secrets,
                                                    TranscriptHashes transcript,
                                                    Bytes confirmation_tag);

namespace {

// process_commit runs §12.4.2 on a verified Commit of the current epoch and
// returns the next epoch's state (nullptr if the Commit removed this member).
Result<std::unique_ptr<GroupState>> process_commit(const GroupState& s,
                                                   const AuthenticatedContent& ac) {
  const FramedContent& fc = ac.content;
  const Commit& commit = std::get<Commit>(fc.content);
  const bool external = fc.sender.sender_type == SenderType::new_member_commit;
  if (!external && fc.sender.sender_type != SenderType::member) {
    return fail(Errc::protocol_violation, "commit.sender_type: Commit from a non-member");
  }
  if (!external && fc.sender.index == s.own_leaf.value) {
    return fail(Errc::invalid_state,
                "commit.own_commit: use the state returned by commit() for "
                "one's own Commit");
  }
  if (!ac.auth.confirmation_tag) {
    return fail(Errc::protocol_violation, "commit.missing_confirmation_tag");
  }

  if (external && !commit.path) {
    return fail(Errc::protocol_violation, "external_commit.path_required");
  }
  // Resolve references against the proposals cached in this epoch.
  std::vector<CommittedProposal> list;
  list.reserve(commit.proposals.size());
  for (const auto& por : commit.proposals) {
    if (const auto* ref = std::get_if<ProposalRef>(&por.value)) {
      if (external) {
        return fail(Errc::protocol_violation,
                    "external_commit.proposal_by_reference: an external Commit "
                    "holds proposals "
                    "by value only");
      }
      auto it = std::find_if(s.proposals.begin(), s.proposals.end(),
                             [&](const CachedProposal& c) { return c.ref == *ref; });
      if (it == s.proposals.end()) {
        return fail(Errc::protocol_violation,
                    "commit.unknown_proposal_ref: a referenced proposal was "
                    "not received");
      }
      list.push_back({it->proposal, it->sender, it->ref});
    } else {
      list.push_back({std::get<Proposal>(por.value), fc.sender, std::nullopt});
    }
  }

  ProposalListInput input;
  input.context = &s.context;
  input.tree = &s.tree;
  input.committer = fc.sender;
  input.validator = s.config.validator;
  input.now_seconds = s.config.now_seconds;
  ZTM_TRY_ASSIGN(AppliedProposals applied, apply_proposal_list(s.suite, list, input));
  if (applied.path_required && !commit.path) {
    return fail(Errc::protocol_violation,
                "commit.path_required: the proposals require an UpdatePath");
  }
  const bool removed_self = std::find(applied.removed.begin(), applied.removed.end(), s.own_leaf) !=
                            applied.removed.end();

  GroupContext next_context = s.context;
  next_context.epoch += 1;
  next_context.extensions = applied.extensions;
  std::vector<LeafIndex> new_members;
  for (const auto& a : applied.added) new_members.push_back(a.leaf);

  LeafIndex committer{fc.sender.index};
  TreeKemPrivateKey next_private = s.private_key;
  // Another member committed our Update (§12.1.2): our leaf now carries the key
  // of that proposal, which we kept.
  if (std::find(applied.updated.begin(), applied.updated.end(), s.own_leaf) !=
      applied.updated.end()) {
    const LeafNode* own = applied.tree.leaf(s.own_leaf);
    auto key = std::find_if(s.update_keys.begin(), s.update_keys.end(), [&](const auto& k) {
      return own != nullptr && k.public_key() == own->encryption_key;
    });
    if (key == s.update_keys.end()) {
      return fail(Errc::protocol_violation,
                  "commit.unknown_own_update: an Update of our leaf we did not send");
    }
    next_private.set_key(s.own_leaf.node(), *key);
  }
  SecretBytes commit_secret;
  if (commit.path) {
    const UpdatePath& path = *commit.path;
    if (external) {
      // §12.4.2: the joiner takes the leftmost blank leaf of the new tree.
      ZTM_TRY(applied.tree.validate_leaf_against_tree(path.leaf_node, std::nullopt));
      // A placeholder without keys reserves the position (extending the tree if
      // needed); merging the path then sets the real leaf, and must not find
      // the path's keys already present.
      LeafNode placeholder = path.leaf_node;
      placeholder.encryption_key.clear();
      ZTM_TRY_ASSIGN(committer, applied.tree.add_leaf(std::move(placeholder)));
    } else {
      const LeafNode* current = applied.tree.leaf(committer);
      if (current != nullptr && current->encryption_key == path.leaf_node.encryption_key) {
        return fail(Errc::protocol_violation,
                    "commit.encryption_key_reused: the new leaf keeps the old "
                    "encryption key");
      }
      ZTM_TRY(applied.tree.validate_leaf_against_tree(path.leaf_node, committer));
    }
    LeafNodeRules rules;
    rules.expected_source = LeafNodeSource::commit;
    rules.group_id = s.context.group_id;
    rules.leaf_index = committer;
    rules.group_extensions = &applied.extensions;
    rules.credential_validator = s.config.validator;
    ZTM_TRY(validate_leaf_node(s.suite, path.leaf_node, rules));
    ZTM_TRY(merge_update_path(applied.tree, committer, path));
    next_context.tree_hash = applied.tree.root_tree_hash();
    if (!removed_self) {
      next_private.forget_blank(applied.tree);
      ZTM_TRY_ASSIGN(DecryptedUpdatePath decrypted,
                     decrypt_update_path(applied.tree, committer, path, next_private,
                                         tls::encode(next_context), new_members));
      commit_secret = std::move(decrypted.commit_secret);
      next_private = std::move(decrypted.private_key);
    }
  } else {
    next_context.tree_hash = applied.tree.root_tree_hash();
    next_private.forget_blank(applied.tree);
  }
  if (removed_self) return std::unique_ptr<GroupState>{};

  ZTM_TRY_ASSIGN(SecretBytes psk_secret, resolve_psk_secret(s, applied.psks));
  SecretBytes init_secret = s.secrets.init_secret;
  if (applied.external_init) {
    ZTM_TRY_ASSIGN(auto external_key, s.secrets.external_key_pair());
    ZTM_TRY_ASSIGN(init_secret,
                   receive_external_init(s.suite, external_key, applied.external_init->kem_output));
  }
  ZTM_TRY_ASSIGN(next_context.confirmed_transcript_hash,
                 compute_confirmed_transcript_hash(s.suite, s.interim_transcript_hash, ac));
  ZTM_TRY_ASSIGN(EpochSecrets secrets,
                 derive_epoch_secrets(s.suite, init_secret.expose(), commit_secret.expose(),
                                      psk_secret.expose(), tls::encode(next_context)));
  ZTM_TRY(verify_confirmation_tag(s.suite, secrets.confirmation_key,
                                  next_context.confirmed_transcript_hash,
                                  *ac.auth.confirmation_tag));
  TranscriptHashes transcript{
      next_context.confirmed_transcript_hash,
      compute_interim_transcript_hash(s.suite, next_context.confirmed_transcript_hash,
                                      *ac.auth.confirmation_tag)};
  ZTM_TRY_ASSIGN(auto next, make_next_state(s, std::move(next_context), std::move(applied.tree),
                                            s.own_leaf, std::move(next_private), std::move(secrets),
                                            std::move(transcript), *ac.auth.confirmation_tag));
  if (applied.reinit) next->pending_reinit = applied.reinit;
  return next;
}

}  // namespace

Result<ProcessedMessage> Group::process(const MLSMessage& message) {
  GroupState& s = *state_;
  ZTM_TRY_ASSIGN(ReceivedContent verified, unprotect_message(s, message));
  const FramedContent& fc = verified.content.content;
  ProcessedMessage out;
  out.content_type = fc.content_type();
  out.sender = fc.sender;
  out.epoch = fc.epoch;
  out.authenticated_data = fc.authenticated_data;
  if (verified.past != nullptr && out.content_type != ContentType::application) {
    return fail(Errc::wrong_epoch, "message.old_epoch_handshake: handshake of an earlier epoch");
  }
  switch (out.content_type) {
    case ContentType::application:
      out.application_data = std::get<ApplicationData>(fc.content).data;
      return out;
    case ContentType::proposal: {
      const Proposal& proposal = std::get<Proposal>(fc.content);
      ZTM_TRY(validate_proposal_sender(proposal, fc.sender));
      Bytes ref = s.suite.make_proposal_ref(tls::encode(verified.content));
      s.proposals.push_back({std::move(ref), proposal, fc.sender});
      out.proposal = proposal;
      return out;
    }
    case ContentType::commit: {
      if (s.pending_reinit) {
        return fail(Errc::invalid_state,
                    "group.reinit_pending: a ReInit was committed; the group takes no "
                    "more Commits (§11.2)");
      }
      ZTM_TRY_ASSIGN(auto next, process_commit(s, verified.content));
      if (next == nullptr) {
        out.removed_self = true;
      } else {
        out.next = GroupAccess::make_shared(std::move(next));
      }
      return out;
    }
  }
  return fail(Errc::protocol_violation, "message.content_type");
}

Result<MLSMessage> Group::protect(ByteView application_data, ByteView authenticated_data) {
  GroupState& s = *state_;
  if (s.pending_reinit) {
    return fail(Errc::invalid_state,
                "group.reinit_pending: a ReInit was committed; send in the new group (§11.2)");
  }
  if (!s.proposals.empty()) {
    // §12.4: a member that has received proposals must commit before sending
    // data.
    return fail(Errc::invalid_state,
                "group.pending_proposals: commit the "
                "cached proposals before sending data");
  }
  FramedContent content;
  content.group_id = s.context.group_id;
  content.epoch = s.context.epoch;
  content.sender = Sender::member(s.own_leaf.value);
  content.authenticated_data = to_bytes(authenticated_data);
  content.content = ApplicationData{to_bytes(application_data)};
  ZTM_TRY_ASSIGN(AuthenticatedContent signed_content,
                 sign_content(s.suite, WireFormat::mls_private_message, std::move(content),
                              s.context, s.signer.signature_key));
  return protect_content(s, signed_content);
}

Result<MLSMessage> Group::propose(Proposal proposal, ByteView authenticated_data) {
  GroupState& s = *state_;
  if (s.pending_reinit) {
    return fail(Errc::invalid_state,
                "group.reinit_pending: a ReInit was committed; propose in the new group (§11.2)");
  }
  ZTM_TRY(validate_proposal_sender(proposal, Sender::member(s.own_leaf.value)));
  FramedContent content;
  content.group_id = s.context.group_id;
  content.epoch = s.context.epoch;
  content.sender = Sender::member(s.own_leaf.value);
  content.authenticated_data = to_bytes(authenticated_data);
  content.content = proposal;
  const WireFormat wire_format =
      s.config.encrypt_handshake ? WireFormat::mls_private_message : WireFormat::mls_public_message;
  ZTM_TRY_ASSIGN(
      AuthenticatedContent signed_content,
      sign_content(s.suite, wire_format, std::move(content), s.context, s.signer.signature_key));
  ZTM_TRY_ASSIGN(MLSMessage message, protect_content(s, signed_content));
  s.proposals.push_back({s.suite.make_proposal_ref(tls::encode(signed_content)),
                         std::move(proposal), Sender::member(s.own_leaf.value)});
  s.own_proposals.push_back(message.encode());
  return message;
}

Result<MLSMessage> Group::propose_update(ByteView authenticated_data) {
  GroupState& s = *state_;
  const LeafNode* current = s.tree.leaf(s.own_leaf);
  if (current == nullptr) {
    return fail(Errc::invalid_state, "group.own_leaf_blank: our leaf is not in the tree");
  }
  ZTM_TRY_ASSIGN(auto key, crypto::DhPrivateKey::generate(s.suite.kem_id()));
  // §12.1.2: same credential and signature key, a new encryption key, source
  // update, signed over the group id and our leaf index.
  LeafNode leaf = *current;
  leaf.encryption_key = key.public_key();
  leaf.leaf_node_source = LeafNodeSource::update;
  ZTM_TRY(sign_leaf_node(s.suite, s.signer.signature_key, leaf, s.context.group_id, s.own_leaf));
  ZTM_TRY_ASSIGN(MLSMessage message,
                 propose(Proposal{Update{std::move(leaf)}}, authenticated_data));
  s.update_keys.push_back(std::move(key));
  return message;
}

bool Group::is_own_proposal(const MLSMessage& message) const {
  const Bytes encoded = message.encode();
  return std::find(state_->own_proposals.begin(), state_->own_proposals.end(), encoded) !=
         state_->own_proposals.end();
}

}  // namespace ztm::mls
