// mls::Group: joining from a Welcome (RFC 9420 §12.4.3.1) and by external
// Commit (§12.4.3.2).
#include <algorithm>

#include "internal/group_framing.h"
#include "internal/group_state.h"
#include "ztm/crypto/aead.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/extensions.h"
#include "ztm/mls/transcript_hash.h"

namespace ztm::mls {

Result<std::unique_ptr<GroupState>> make_next_state(const GroupState& s, GroupContext context,
                                                    RatchetTree tree, LeafIndex own,
                                                    TreeKemPrivateKey private_key,
                                                    EpochSecrets secrets,
                                                    TranscriptHashes transcript,
                                                    Bytes confirmation_tag);

namespace {

// tree_for_join picks the ratchet tree a joiner uses: the GroupInfo's
// ratchet_tree extension, else the one supplied out of band.
Result<RatchetTree> tree_for_join(const CipherSuite& suite, const GroupInfo& info,
                                  const std::optional<RatchetTree>& supplied) {
  if (const Extension* ext = info.extensions.find(ExtensionType::ratchet_tree)) {
    return RatchetTree::decode(suite, ext->extension_data);
  }
  if (supplied) return *supplied;
  return fail(Errc::not_found,
              "join.no_ratchet_tree: neither the GroupInfo nor the caller has one");
}

// verify_group_info checks the GroupInfo's signature with its signer's leaf
// (§12.4.3.1).
Result<void> verify_group_info(const CipherSuite& suite, const GroupInfo& info,
                               const RatchetTree& tree) {
  const LeafNode* signer = tree.leaf(LeafIndex{info.signer});
  if (signer == nullptr) {
    return fail(Errc::protocol_violation, "group_info.signer_blank: the signer's leaf is blank");
  }
  auto verified = suite.verify_with_label(signer->signature_key, "GroupInfoTBS",
                                          info.to_be_signed(), info.signature);
  if (!verified) {
    return fail(Errc::authentication_failed, "group_info.signature_invalid");
  }
  return ok();
}

// check_linked_group applies the §12.4.3.1 rules for a Welcome that carries a
// reinit or branch resumption PSK: the new group is at epoch 1 and matches the
// old one (§11.2, §11.3). Members are matched on their credentials.
Result<void> check_linked_group(const GroupInfo& info, const RatchetTree& tree,
                                const PriorGroup& prior) {
  const GroupContext& ctx = info.group_context;
  if (ctx.epoch != 1) {
    return fail(Errc::protocol_violation,
                "welcome.resumed_epoch: a reinit/branch group starts at epoch 1, not " +
                    std::to_string(ctx.epoch));
  }
  std::vector<const Credential*> new_members;
  for (std::uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    if (const LeafNode* leaf = tree.leaf(LeafIndex{i})) new_members.push_back(&leaf->credential);
  }
  const auto in_old = [&](const Credential& c) {
    return std::find(prior.members.begin(), prior.members.end(), c) != prior.members.end();
  };
  if (prior.usage == ResumptionPSKUsage::reinit) {
    if (!prior.reinit) {
      return fail(Errc::invalid_argument, "welcome.reinit_missing: the prior group has no ReInit");
    }
    const ReInit& r = *prior.reinit;
    if (ctx.group_id != r.group_id || ctx.version != r.version ||
        ctx.cipher_suite != r.cipher_suite || !(ctx.extensions == r.extensions)) {
      return fail(Errc::protocol_violation,
                  "welcome.reinit_mismatch: the new group's group_id, version, cipher_suite or "
                  "extensions differ from the ReInit (§11.2)");
    }
    for (const Credential& old : prior.members) {
      const bool present = std::any_of(new_members.begin(), new_members.end(),
                                       [&](const Credential* c) { return *c == old; });
      if (!present) {
        return fail(Errc::protocol_violation,
                    "welcome.reinit_member_missing: a member of the old group is not in the "
                    "reinitialized group (§12.4.3.1)");
      }
    }
    return ok();
  }
  if (ctx.version != prior.version || ctx.cipher_suite != prior.cipher_suite) {
    return fail(Errc::protocol_violation,
                "welcome.branch_parameters: a branch keeps the version and cipher suite (§11.3)");
  }
  for (const Credential* c : new_members) {
    if (!in_old(*c)) {
      return fail(Errc::protocol_violation,
                  "welcome.branch_foreign_member: a member of the branch is not in the old "
                  "group (§11.3)");
    }
  }
  return ok();
}

}  // namespace

Result<Group> Group::join(const Welcome& welcome, const KeyPackageBundle& kp,
                          const GroupConfig& config, const JoinOptions& options) {
  if (config.validator == nullptr) {
    return fail(Errc::invalid_argument, "group.config: a credential validator is required");
  }
  ZTM_TRY_ASSIGN(CipherSuite suite, CipherSuite::create(welcome.cipher_suite));
  if (welcome.cipher_suite != kp.key_package.cipher_suite) {
    return fail(Errc::protocol_violation,
                "welcome.cipher_suite_mismatch: Welcome and KeyPackage suites differ");
  }
  const EncryptedGroupSecrets* mine = welcome.find(kp.ref);
  if (mine == nullptr) {
    return fail(Errc::not_found, "welcome.not_for_us: no secrets for our KeyPackage");
  }
  ZTM_TRY_ASSIGN(Bytes secrets_bytes,
                 suite.decrypt_with_label(kp.init_key, "Welcome", welcome.encrypted_group_info,
                                          mine->encrypted_group_secrets));
  auto group_secrets = tls::decode<GroupSecrets>(secrets_bytes);
  secure_zero(secrets_bytes.data(), secrets_bytes.size());
  if (!group_secrets) return tl::unexpected(group_secrets.error());

  // PSKs named by the Welcome must all be at hand (§12.4.3.1).
  std::size_t special_psks = 0;
  for (const auto& id : group_secrets->psks) {
    if (id.psktype == PSKType::resumption && id.usage != ResumptionPSKUsage::application) {
      ++special_psks;
    }
  }
  if (special_psks > 1) {
    return fail(Errc::protocol_violation,
                "welcome.multiple_reinit_or_branch_psks: at most one "
                "reinit/branch PSK");
  }
  std::vector<PskInput> psk_inputs;
  const PreSharedKeyID* linked_id = nullptr;
  for (const auto& id : group_secrets->psks) {
    if (id.psktype == PSKType::resumption && id.usage != ResumptionPSKUsage::application) {
      // The reinit/branch PSK comes from the old group the caller names.
      const PriorGroup* prior = options.prior;
      if (prior == nullptr || prior->usage != id.usage || prior->group_id != id.psk_group_id ||
          prior->epoch != id.psk_epoch) {
        return fail(Errc::unknown_key,
                    "welcome.unknown_prior_group: the Welcome's reinit/branch PSK names an old "
                    "group epoch we were not given (§12.4.3.1)");
      }
      linked_id = &id;
      psk_inputs.push_back({id, prior->resumption_psk});
      continue;
    }
    const PskStore* store = options.psks != nullptr ? options.psks : config.psks;
    if (store == nullptr) {
      return fail(Errc::unknown_key, "psk.no_store: the Welcome names PSKs we do not have");
    }
    ZTM_TRY_ASSIGN(SecretBytes psk, store->find(id));
    psk_inputs.push_back({id, std::move(psk)});
  }
  ZTM_TRY_ASSIGN(SecretBytes psk_secret, compute_psk_secret(suite, psk_inputs));

  ZTM_TRY_ASSIGN(SecretBytes welcome_secret,
                 derive_welcome_secret(suite, group_secrets->joiner_secret, psk_secret.expose()));
  ZTM_TRY_ASSIGN(WelcomeKey wk, derive_welcome_key(suite, welcome_secret));
  ZTM_TRY_ASSIGN(auto aead, crypto::AeadKey::create(suite.aead_id(), wk.key.expose()));
  auto info_bytes = aead.open(wk.nonce.expose(), {}, welcome.encrypted_group_info);
  if (!info_bytes) {
    return fail(Errc::authentication_failed,
                "welcome.group_info_decrypt: " + info_bytes.error().message);
  }
  ZTM_TRY_ASSIGN(GroupInfo info, tls::decode<GroupInfo>(*info_bytes));
  if (info.group_context.cipher_suite != kp.key_package.cipher_suite) {
    return fail(Errc::protocol_violation, "welcome.cipher_suite_mismatch: GroupInfo suite differs");
  }
  ZTM_TRY_ASSIGN(RatchetTree tree, tree_for_join(suite, info, options.tree));
  ZTM_TRY(verify_group_info(suite, info, tree));
  ZTM_TRY(tree.validate_for_join(info.group_context, *config.validator, config.now_seconds));
  const auto own = tree.find_leaf(kp.key_package.leaf_node);
  if (!own) {
    return fail(Errc::protocol_violation, "welcome.leaf_not_found: our leaf is not in the tree");
  }

  TreeKemPrivateKey private_key(*own, kp.encryption_key);
  if (group_secrets->path_secret) {
    const NodeIndex ancestor = common_ancestor(own->node(), LeafIndex{info.signer}.node());
    ZTM_TRY(private_key.implant(suite, tree, ancestor, group_secrets->path_secret->path_secret));
  }
  ZTM_TRY(private_key.consistent_with(tree));
  if (linked_id != nullptr) ZTM_TRY(check_linked_group(info, tree, *options.prior));

  const Bytes context_bytes = tls::encode(info.group_context);
  ZTM_TRY_ASSIGN(EpochSecrets secrets,
                 derive_epoch_secrets_from_joiner(suite, group_secrets->joiner_secret,
                                                  psk_secret.expose(), context_bytes));
  ZTM_TRY(verify_confirmation_tag(suite, secrets.confirmation_key,
                                  info.group_context.confirmed_transcript_hash,
                                  info.confirmation_tag));
  ZTM_TRY_ASSIGN(SecretTree secret_tree,
                 SecretTree::create(suite, secrets.encryption_secret, tree.leaf_count(),
                                    config.secret_tree_limits));
  auto state = std::make_unique<GroupState>(suite, config, info.group_context, std::move(tree),
                                            *own, kp.signer, std::move(private_key),
                                            std::move(secrets), std::move(secret_tree));
  state->confirmation_tag = info.confirmation_tag;
  state->interim_transcript_hash = compute_interim_transcript_hash(
      suite, state->context.confirmed_transcript_hash, info.confirmation_tag);
  return Group(std::move(state));
}

Result<ExternalJoin> Group::join_external(const GroupInfo& info, MemberSigner signer,
                                          const GroupConfig& config,
                                          std::optional<RatchetTree> supplied_tree,
                                          std::optional<LeafIndex> remove_prior,
                                          const KeyPackageOptions& leaf_options) {
  ExternalJoinOptions options;
  options.tree = std::move(supplied_tree);
  options.remove_prior = remove_prior;
  options.leaf_options = leaf_options;
  return join_external(info, std::move(signer), config, options);
}

Result<ExternalJoin> Group::join_external(const GroupInfo& info, MemberSigner signer,
                                          const GroupConfig& config,
                                          const ExternalJoinOptions& options) {
  const auto& supplied_tree = options.tree;
  const auto& remove_prior = options.remove_prior;
  const auto& leaf_options = options.leaf_options;
  if (config.validator == nullptr) {
    return fail(Errc::invalid_argument, "group.config: a credential validator is required");
  }
  ZTM_TRY_ASSIGN(CipherSuite suite, CipherSuite::create(info.group_context.cipher_suite));
  ZTM_TRY_ASSIGN(RatchetTree tree, tree_for_join(suite, info, supplied_tree));
  ZTM_TRY(verify_group_info(suite, info, tree));
  ZTM_TRY(tree.validate_for_join(info.group_context, *config.validator, config.now_seconds));
  ZTM_TRY_ASSIGN(auto external_pub, info.extensions.get<ExternalPubExtension>());
  if (!external_pub) {
    return fail(Errc::not_found,
                "external_join.no_external_pub: the GroupInfo has no external_pub");
  }
  ZTM_TRY_ASSIGN(ExternalInitSecret init, make_external_init(suite, external_pub->external_pub));

  ZTM_TRY_ASSIGN(KeyPackageBundle bundle, create_key_package(suite, signer, leaf_options));

  std::vector<CommittedProposal> list;
  Commit commit;
  Proposal external_init{ExternalInit{init.kem_output}};
  list.push_back({external_init, Sender::new_member_commit(), std::nullopt});
  commit.proposals.push_back(ProposalOrRef{external_init});
  if (remove_prior) {
    Proposal remove{Remove{remove_prior->value}};
    list.push_back({remove, Sender::new_member_commit(), std::nullopt});
    commit.proposals.push_back(ProposalOrRef{remove});
  }
  // External PSKs travel as PreSharedKey proposals by value (§12.2 allows them
  // in an external Commit); every member must hold them.
  std::vector<PskInput> psk_inputs;
  for (const Bytes& psk_id : options.external_psk_ids) {
    if (config.psks == nullptr) {
      return fail(Errc::unknown_key, "psk.no_store: external PSKs need config.psks");
    }
    PreSharedKeyID id;
    id.psktype = PSKType::external;
    id.psk_id = psk_id;
    id.psk_nonce = crypto::random_bytes(suite.hash_size());
    ZTM_TRY_ASSIGN(SecretBytes psk, config.psks->find(id));
    Proposal proposal{PreSharedKey{id}};
    list.push_back({proposal, Sender::new_member_commit(), std::nullopt});
    commit.proposals.push_back(ProposalOrRef{proposal});
    psk_inputs.push_back({std::move(id), std::move(psk)});
  }
  ProposalListInput input;
  input.context = &info.group_context;
  input.tree = &tree;
  input.committer = Sender::new_member_commit();
  input.validator = config.validator;
  input.now_seconds = config.now_seconds;
  ZTM_TRY_ASSIGN(AppliedProposals applied, apply_proposal_list(suite, list, input));

  LeafNode leaf_template = bundle.key_package.leaf_node;
  ZTM_TRY(applied.tree.validate_leaf_against_tree(leaf_template, std::nullopt));
  ZTM_TRY_ASSIGN(LeafIndex own, applied.tree.add_leaf(leaf_template));
  GroupContext next_context = info.group_context;
  next_context.epoch += 1;
  next_context.extensions = applied.extensions;
  ZTM_TRY_ASSIGN(CreatedUpdatePath created,
                 create_update_path(applied.tree, own, std::move(leaf_template),
                                    signer.signature_key, next_context, {}));
  commit.path = created.update_path;

  FramedContent content;
  content.group_id = info.group_context.group_id;
  content.epoch = info.group_context.epoch;
  content.sender = Sender::new_member_commit();
  content.content = std::move(commit);
  ZTM_TRY_ASSIGN(AuthenticatedContent signed_commit,
                 sign_content(suite, WireFormat::mls_public_message, std::move(content),
                              info.group_context, signer.signature_key));
  const Bytes interim_before = compute_interim_transcript_hash(
      suite, info.group_context.confirmed_transcript_hash, info.confirmation_tag);
  ZTM_TRY_ASSIGN(next_context.confirmed_transcript_hash,
                 compute_confirmed_transcript_hash(suite, interim_before, signed_commit));
  ZTM_TRY_ASSIGN(SecretBytes psk_secret, compute_psk_secret(suite, psk_inputs));
  ZTM_TRY_ASSIGN(
      EpochSecrets secrets,
      derive_epoch_secrets(suite, init.init_secret.expose(), created.commit_secret.expose(),
                           psk_secret.expose(), tls::encode(next_context)));
  signed_commit.auth.confirmation_tag = make_confirmation_tag(
      suite, secrets.confirmation_key, next_context.confirmed_transcript_hash);

  PublicMessage public_message;
  public_message.content = signed_commit.content;
  public_message.auth = signed_commit.auth;
  MLSMessage message{std::move(public_message)};

  TranscriptHashes transcript{
      next_context.confirmed_transcript_hash,
      compute_interim_transcript_hash(suite, next_context.confirmed_transcript_hash,
                                      *signed_commit.auth.confirmation_tag)};
  ZTM_TRY_ASSIGN(SecretTree secret_tree,
                 SecretTree::create(suite, secrets.encryption_secret, applied.tree.leaf_count(),
                                    config.secret_tree_limits));
  auto state = std::make_unique<GroupState>(
      suite, config, std::move(next_context), std::move(applied.tree), own, std::move(signer),
      std::move(created.private_key), std::move(secrets), std::move(secret_tree));
  state->interim_transcript_hash = std::move(transcript.interim);
  state->confirmation_tag = *signed_commit.auth.confirmation_tag;
  return ExternalJoin{std::move(message), Group(std::move(state))};
}

}  // namespace ztm::mls
