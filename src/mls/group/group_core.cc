// mls::Group: creation (§11), KeyPackages (§10), and what a member reads of its
// current epoch.
#include <utility>

#include "internal/group_state.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/exporter.h"
#include "ztm/mls/extensions.h"

namespace ztm::mls {

Capabilities default_capabilities(const CipherSuite& suite) {
  Capabilities c;
  c.versions = {ProtocolVersion::mls10};
  c.cipher_suites = {suite.id()};
  c.credentials = {CredentialType::basic, CredentialType::x509};
  return c;
}

namespace {

Result<void> check_signer(const CipherSuite& suite, const MemberSigner& signer) {
  if (signer.signature_key.scheme() != suite.signature_scheme()) {
    return fail(Errc::invalid_key, "group.signer_scheme: the signature key does not fit suite " +
                                       std::to_string(suite.id()));
  }
  return ok();
}

// make_leaf builds and signs a LeafNode for a KeyPackage (source key_package).
Result<LeafNode> make_key_package_leaf(const CipherSuite& suite, const MemberSigner& signer,
                                       const crypto::DhPrivateKey& encryption_key,
                                       const KeyPackageOptions& options) {
  LeafNode leaf;
  leaf.encryption_key = encryption_key.public_key();
  leaf.signature_key = signer.signature_key.public_key();
  leaf.credential = signer.credential;
  leaf.capabilities =
      options.capabilities.versions.empty() ? default_capabilities(suite) : options.capabilities;
  leaf.leaf_node_source = LeafNodeSource::key_package;
  leaf.lifetime = options.lifetime;
  leaf.extensions = options.leaf_extensions;
  ZTM_TRY(sign_leaf_node(suite, signer.signature_key, leaf, {}, LeafIndex{0}));
  return leaf;
}

}  // namespace

Result<KeyPackageBundle> create_key_package(const CipherSuite& suite, MemberSigner signer,
                                            const KeyPackageOptions& options) {
  ZTM_TRY(check_signer(suite, signer));
  ZTM_TRY_ASSIGN(auto init_key, crypto::DhPrivateKey::generate(suite.kem_id()));
  ZTM_TRY_ASSIGN(auto encryption_key, crypto::DhPrivateKey::generate(suite.kem_id()));
  ZTM_TRY_ASSIGN(LeafNode leaf, make_key_package_leaf(suite, signer, encryption_key, options));
  KeyPackage kp;
  kp.version = ProtocolVersion::mls10;
  kp.cipher_suite = suite.id();
  kp.init_key = init_key.public_key();
  kp.leaf_node = std::move(leaf);
  kp.extensions = options.extensions;
  ZTM_TRY_ASSIGN(kp.signature,
                 suite.sign_with_label(signer.signature_key, "KeyPackageTBS", kp.to_be_signed()));
  Bytes ref = suite.make_key_package_ref(tls::encode(kp));
  return KeyPackageBundle{std::move(kp), std::move(ref), std::move(init_key),
                          std::move(encryption_key), std::move(signer)};
}

Result<Group> Group::create(const CipherSuite& suite, Bytes group_id, MemberSigner signer,
                            ExtensionList group_extensions, const GroupConfig& config,
                            const KeyPackageOptions& leaf_options) {
  if (config.validator == nullptr) {
    return fail(Errc::invalid_argument, "group.config: a credential validator is required");
  }
  ZTM_TRY(check_signer(suite, signer));
  ZTM_TRY(config.validator->validate(signer.credential, signer.signature_key.public_key()));
  ZTM_TRY_ASSIGN(auto encryption_key, crypto::DhPrivateKey::generate(suite.kem_id()));
  ZTM_TRY_ASSIGN(LeafNode leaf, make_key_package_leaf(suite, signer, encryption_key, leaf_options));

  RatchetTree tree(suite);
  ZTM_TRY_ASSIGN(LeafIndex own, tree.add_leaf(std::move(leaf)));

  GroupContext context;
  context.version = ProtocolVersion::mls10;
  context.cipher_suite = suite.id();
  context.group_id = std::move(group_id);
  context.epoch = 0;
  context.tree_hash = tree.root_tree_hash();
  context.extensions = std::move(group_extensions);
  // The creator must itself support every extension it puts in the context.
  ZTM_TRY(validate_leaf_node(suite, *tree.leaf(own),
                             LeafNodeRules{LeafNodeSource::key_package,
                                           {},
                                           LeafIndex{0},
                                           &context.extensions,
                                           std::nullopt,
                                           0,
                                           nullptr}));

  // §11: a fresh random secret seeds epoch 0 (here as the init_secret, from
  // which the epoch secret follows through the ordinary schedule).
  const SecretBytes init = crypto::random_secret(suite.hash_size());
  ZTM_TRY_ASSIGN(EpochSecrets secrets,
                 derive_epoch_secrets(suite, init.expose(), {}, {}, tls::encode(context)));
  ZTM_TRY_ASSIGN(SecretTree secret_tree,
                 SecretTree::create(suite, secrets.encryption_secret, tree.leaf_count(),
                                    config.secret_tree_limits));
  auto state = std::make_unique<GroupState>(suite, config, std::move(context), std::move(tree), own,
                                            std::move(signer),
                                            TreeKemPrivateKey(own, std::move(encryption_key)),
                                            std::move(secrets), std::move(secret_tree));
  // confirmation_tag over the empty confirmed transcript, then the interim
  // hash.
  state->confirmation_tag = suite.mac(state->secrets.confirmation_key.expose(), {});
  Bytes interim_input;
  tls::Writer(interim_input).opaque(state->confirmation_tag);
  state->interim_transcript_hash = suite.hash(interim_input);
  return Group(std::move(state));
}

Group::Group(std::unique_ptr<GroupState> state) : state_(std::move(state)) {}
Group::Group(const Group& other) : state_(std::make_unique<GroupState>(*other.state_)) {}
Group& Group::operator=(const Group& other) {
  if (this != &other) state_ = std::make_unique<GroupState>(*other.state_);
  return *this;
}
Group::Group(Group&&) noexcept = default;
Group& Group::operator=(Group&&) noexcept = default;
Group::~Group() = default;

const CipherSuite& Group::suite() const {
  return state_->suite;
}
const Bytes& Group::group_id() const {
  return state_->context.group_id;
}
std::uint64_t Group::epoch() const {
  return state_->context.epoch;
}
LeafIndex Group::own_leaf() const {
  return state_->own_leaf;
}
const GroupContext& Group::context() const {
  return state_->context;
}
const RatchetTree& Group::tree() const {
  return state_->tree;
}
ByteView Group::epoch_authenticator() const {
  return state_->secrets.epoch_authenticator.expose();
}
const SecretBytes& Group::resumption_psk() const {
  return state_->secrets.resumption_psk;
}
std::size_t Group::pending_proposals() const {
  return state_->proposals.size();
}

const MemberSigner& Group::signer() const {
  return state_->signer;
}
const GroupConfig& Group::config() const {
  return state_->config;
}
const std::optional<ReInit>& Group::pending_reinit() const {
  return state_->pending_reinit;
}

std::optional<LeafIndex> Group::find_member(const Credential& credential) const {
  const std::uint32_t leaves = state_->tree.leaf_count().value;
  for (std::uint32_t i = 0; i < leaves; ++i) {
    const LeafNode* leaf = state_->tree.leaf(LeafIndex{i});
    if (leaf != nullptr && leaf->credential == credential) return LeafIndex{i};
  }
  return std::nullopt;
}

PriorGroup Group::branch_prior() const {
  PriorGroup prior;
  prior.usage = ResumptionPSKUsage::branch;
  prior.version = state_->context.version;
  prior.cipher_suite = state_->context.cipher_suite;
  prior.group_id = state_->context.group_id;
  prior.epoch = state_->context.epoch;
  prior.resumption_psk = state_->secrets.resumption_psk;
  for (const Member& m : members()) prior.members.push_back(m.leaf_node->credential);
  return prior;
}

Result<PriorGroup> Group::reinit_prior() const {
  if (!state_->pending_reinit) {
    return fail(Errc::invalid_state,
                "group.no_pending_reinit: no ReInit was committed in this epoch (§11.2)");
  }
  // §11.2 / §12.4.2: the PSK names "the epoch after the Commit covering the
  // ReInit", which is this state's epoch.
  PriorGroup prior = branch_prior();
  prior.usage = ResumptionPSKUsage::reinit;
  prior.reinit = state_->pending_reinit;
  return prior;
}

std::vector<Member> Group::members() const {
  std::vector<Member> out;
  const std::uint32_t leaves = state_->tree.leaf_count().value;
  for (std::uint32_t i = 0; i < leaves; ++i) {
    if (const LeafNode* leaf = state_->tree.leaf(LeafIndex{i})) out.push_back({LeafIndex{i}, leaf});
  }
  return out;
}

Result<SecretBytes> Group::exporter(std::string_view label, ByteView context,
                                    std::size_t length) const {
  return mls_exporter(state_->suite, state_->secrets.exporter_secret, label, context, length);
}

Result<GroupInfo> Group::group_info(bool inline_tree, bool external_pub) const {
  GroupInfo info;
  info.group_context = state_->context;
  if (inline_tree) {
    info.extensions.set(Extension{ExtensionType::ratchet_tree, state_->tree.encode()});
  }
  if (external_pub) {
    ZTM_TRY_ASSIGN(auto external_key, state_->secrets.external_key_pair());
    info.extensions.put(ExternalPubExtension{external_key.public_key()});
  }
  info.confirmation_tag = state_->confirmation_tag;
  info.signer = state_->own_leaf.value;
  ZTM_TRY_ASSIGN(info.signature,
                 state_->suite.sign_with_label(state_->signer.signature_key, "GroupInfoTBS",
                                               info.to_be_signed()));
  return info;
}

}  // namespace ztm::mls
