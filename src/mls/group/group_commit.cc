// mls::Group: creating a Commit and the Welcome that goes with it (RFC 9420
// §12.4, §12.4.3.1).
#include <algorithm>

#include "internal/group_framing.h"
#include "internal/group_state.h"
#include "ztm/base/parallel.h"
#include "ztm/crypto/aead.h"
#include "ztm/mls/extensions.h"
#include "ztm/mls/transcript_hash.h"

namespace ztm::mls {
namespace {

// kJoinersPerTask: new members whose GroupSecrets one parallel task seals (one HPKE
// encryption each, ~60 us).
constexpr std::size_t kJoinersPerTask = 4;

// encrypt_group_info seals GroupInfo under the welcome key of the new epoch.
Result<Bytes> encrypt_group_info(const CipherSuite& suite, const SecretBytes& welcome_secret,
                                 const GroupInfo& info) {
  ZTM_TRY_ASSIGN(WelcomeKey wk, derive_welcome_key(suite, welcome_secret));
  ZTM_TRY_ASSIGN(auto aead, crypto::AeadKey::create(suite.aead_id(), wk.key.expose()));
  return aead.seal(wk.nonce.expose(), {}, tls::encode(info));
}

}  // namespace

// resolve_psk_secret looks up the PSKs a proposal list names and chains them.
// Resumption PSKs of this group come from its own history (§8.6); everything else
// from the configured store.
Result<SecretBytes> resolve_psk_secret(const GroupState& s,
                                       const std::vector<PreSharedKeyID>& ids) {
  std::vector<PskInput> inputs;
  inputs.reserve(ids.size());
  for (const auto& id : ids) {
    if (s.linked_psk && id == s.linked_psk->id) {
      inputs.push_back({id, s.linked_psk->psk});
      continue;
    }
    if (id.psktype == PSKType::resumption && id.psk_group_id == s.context.group_id) {
      if (id.psk_epoch == s.context.epoch) {
        inputs.push_back({id, s.secrets.resumption_psk});
        continue;
      }
      auto it = std::find_if(s.resumption_history.begin(), s.resumption_history.end(),
                             [&](const auto& entry) { return entry.first == id.psk_epoch; });
      if (it != s.resumption_history.end()) {
        inputs.push_back({id, it->second});
        continue;
      }
    }
    if (s.config.psks == nullptr) {
      return fail(Errc::unknown_key, "psk.no_store: a PreSharedKey names a PSK we do not have");
    }
    ZTM_TRY_ASSIGN(SecretBytes psk, s.config.psks->find(id));
    inputs.push_back({id, std::move(psk)});
  }
  return compute_psk_secret(s.suite, inputs);
}

// make_next_state builds the State of the epoch a Commit starts, keeping the
// current epoch's keys for late application messages.
Result<std::unique_ptr<GroupState>> make_next_state(const GroupState& s, GroupContext context,
                                                    RatchetTree tree, LeafIndex own,
                                                    TreeKemPrivateKey private_key,
                                                    EpochSecrets secrets,
                                                    TranscriptHashes transcript,
                                                    Bytes confirmation_tag) {
  ZTM_TRY_ASSIGN(SecretTree secret_tree,
                 SecretTree::create(s.suite, secrets.encryption_secret, tree.leaf_count(),
                                    s.config.secret_tree_limits));
  auto next = std::make_unique<GroupState>(s.suite, s.config, std::move(context), std::move(tree),
                                           own, s.signer, std::move(private_key),
                                           std::move(secrets), std::move(secret_tree));
  next->interim_transcript_hash = std::move(transcript.interim);
  next->confirmation_tag = std::move(confirmation_tag);
  next->resumption_history = s.resumption_history;
  next->resumption_history.emplace_front(s.context.epoch, s.secrets.resumption_psk);
  if (next->resumption_history.size() > kMaxResumptionHistory) {
    next->resumption_history.pop_back();
  }
  if (s.config.max_past_epochs > 0) {
    auto past = std::make_shared<PastEpoch>();
    past->epoch = s.context.epoch;
    past->context = s.context;
    const std::uint32_t leaves = s.tree.leaf_count().value;
    past->signature_keys.resize(leaves);
    for (std::uint32_t i = 0; i < leaves; ++i) {
      if (const LeafNode* leaf = s.tree.leaf(LeafIndex{i})) {
        past->signature_keys[i] = leaf->signature_key;
      }
    }
    past->sender_data_secret = s.secrets.sender_data_secret;
    past->secret_tree = std::make_shared<SecretTree>(s.secret_tree);
    next->past_epochs = s.past_epochs;
    next->past_epochs.push_front(std::move(past));
    while (next->past_epochs.size() > s.config.max_past_epochs) next->past_epochs.pop_back();
  }
  return next;
}

Result<CommitResult> Group::commit(const CommitOptions& options) {
  GroupState& s = *state_;
  if (s.pending_reinit) {
    return fail(Errc::invalid_state, "group.reinit_pending: the group awaits reinitialization");
  }
  // The list: every cached proposal by reference, then the new ones by value.
  std::vector<CommittedProposal> list;
  Commit commit;
  bool own_update_dropped = false;
  for (const auto& cached : s.proposals) {
    // §12.2: the committer's own Update cannot be committed; its UpdatePath
    // refreshes the leaf instead.
    if (cached.sender == Sender::member(s.own_leaf.value) &&
        cached.proposal.type() == ProposalType::update) {
      own_update_dropped = true;
      continue;
    }
    list.push_back({cached.proposal, cached.sender, cached.ref});
    commit.proposals.push_back(ProposalOrRef{cached.ref});
  }
  for (const auto& p : options.by_value) {
    list.push_back({p, Sender::member(s.own_leaf.value), std::nullopt});
    commit.proposals.push_back(ProposalOrRef{p});
  }

  ProposalListInput input;
  input.context = &s.context;
  input.tree = &s.tree;
  input.committer = Sender::member(s.own_leaf.value);
  input.validator = s.config.validator;
  input.now_seconds = s.config.now_seconds;
  // Only the first Commit of a resumed group may carry its reinit/branch PSK.
  input.reinit_or_branch = s.linked_psk.has_value();
  ZTM_TRY_ASSIGN(AppliedProposals applied, apply_proposal_list(s.suite, list, input));

  GroupContext next_context = s.context;
  next_context.epoch += 1;
  next_context.extensions = applied.extensions;

  std::vector<LeafIndex> new_members;
  for (const auto& a : applied.added) new_members.push_back(a.leaf);

  TreeKemPrivateKey next_private = s.private_key;
  std::optional<CreatedUpdatePath> created;
  SecretBytes commit_secret;
  if (applied.path_required || options.force_path || own_update_dropped) {
    LeafNode leaf_template = *applied.tree.leaf(s.own_leaf);
    ZTM_TRY_ASSIGN(created, create_update_path(applied.tree, s.own_leaf, std::move(leaf_template),
                                               s.signer.signature_key, next_context, new_members));
    commit.path = created->update_path;
    commit_secret = created->commit_secret;
    next_private = created->private_key;
  } else {
    next_context.tree_hash = applied.tree.root_tree_hash();
    next_private.forget_blank(applied.tree);
  }
  ZTM_TRY_ASSIGN(SecretBytes psk_secret, resolve_psk_secret(s, applied.psks));

  FramedContent content;
  content.group_id = s.context.group_id;
  content.epoch = s.context.epoch;
  content.sender = Sender::member(s.own_leaf.value);
  content.authenticated_data = options.authenticated_data;
  content.content = std::move(commit);
  const WireFormat wire_format =
      s.config.encrypt_handshake ? WireFormat::mls_private_message : WireFormat::mls_public_message;
  ZTM_TRY_ASSIGN(
      AuthenticatedContent signed_commit,
      sign_content(s.suite, wire_format, std::move(content), s.context, s.signer.signature_key));

  ZTM_TRY_ASSIGN(
      next_context.confirmed_transcript_hash,
      compute_confirmed_transcript_hash(s.suite, s.interim_transcript_hash, signed_commit));
  ZTM_TRY_ASSIGN(
      EpochSecrets secrets,
      derive_epoch_secrets(s.suite, s.secrets.init_secret.expose(), commit_secret.expose(),
                           psk_secret.expose(), tls::encode(next_context)));
  signed_commit.auth.confirmation_tag = make_confirmation_tag(
      s.suite, secrets.confirmation_key, next_context.confirmed_transcript_hash);
  TranscriptHashes transcript{
      next_context.confirmed_transcript_hash,
      compute_interim_transcript_hash(s.suite, next_context.confirmed_transcript_hash,
                                      *signed_commit.auth.confirmation_tag)};

  const SecretBytes joiner_secret = secrets.joiner_secret;
  const SecretBytes welcome_secret = secrets.welcome_secret;
  ZTM_TRY_ASSIGN(MLSMessage commit_message, protect_content(s, signed_commit));
  ZTM_TRY_ASSIGN(auto next_state,
                 make_next_state(s, std::move(next_context), std::move(applied.tree), s.own_leaf,
                                 std::move(next_private), std::move(secrets), std::move(transcript),
                                 *signed_commit.auth.confirmation_tag));
  if (applied.reinit) next_state->pending_reinit = applied.reinit;
  auto next = GroupAccess::make_shared(std::move(next_state));

  CommitResult result{std::move(commit_message), std::nullopt, GroupInfo{}, nullptr};
  ZTM_TRY_ASSIGN(result.group_info, next->group_info(false, options.external_pub));

  if (!applied.added.empty()) {
    GroupInfo welcome_info = result.group_info;
    if (options.inline_tree) {
      welcome_info.extensions.set(Extension{ExtensionType::ratchet_tree, next->tree().encode()});
      ZTM_TRY_ASSIGN(welcome_info.signature,
                     s.suite.sign_with_label(s.signer.signature_key, "GroupInfoTBS",
                                             welcome_info.to_be_signed()));
    }
    Welcome welcome;
    welcome.cipher_suite = s.suite.id();
    ZTM_TRY_ASSIGN(welcome.encrypted_group_info,
                   encrypt_group_info(s.suite, welcome_secret, welcome_info));
    // One HPKE encryption per new member (§12.4.3.1): a batch Add is as N-sized as
    // an UpdatePath, so the joiners' GroupSecrets are sealed in parallel, each into
    // its own slot in the order of the Adds; the first failure in that order wins.
    welcome.secrets.resize(applied.added.size());
    std::vector<Result<void>> outcome(applied.added.size());
    const auto seal_for = [&](std::size_t i) -> Result<void> {
      const auto& added = applied.added[i];
      GroupSecrets secrets_for_joiner;
      secrets_for_joiner.joiner_secret = joiner_secret;
      secrets_for_joiner.psks = applied.psks;
      if (created) {
        if (const SecretBytes* ps = path_secret_for(*created, s.own_leaf, added.leaf)) {
          secrets_for_joiner.path_secret = PathSecret{*ps};
        }
      }
      ZTM_TRY_ASSIGN(auto sealed, s.suite.encrypt_with_label(added.key_package.init_key, "Welcome",
                                                             welcome.encrypted_group_info,
                                                             tls::encode(secrets_for_joiner)));
      welcome.secrets[i] = EncryptedGroupSecrets{
          s.suite.make_key_package_ref(tls::encode(added.key_package)), std::move(sealed)};
      return ok();
    };
    parallel_for(applied.added.size(), kJoinersPerTask, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) outcome[i] = seal_for(i);
    });
    for (auto& sealed : outcome) ZTM_TRY(sealed);
    result.welcome = MLSMessage{std::move(welcome)};
  }
  result.next = std::move(next);
  return result;
}

}  // namespace ztm::mls
