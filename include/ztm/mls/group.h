// Group: one member's view of an MLS group at one epoch (RFC 9420 §8–§12).
//
// A Group is a value. Everything that starts a new epoch — committing,
// processing a Commit, joining — returns a new Group and leaves the old one
// untouched, so a rejected message can never leave a half-updated group (the
// caller swaps the new state in when the whole step succeeded). Within an
// epoch, two things change the group in place, each only after the message
// fully verified: the secret tree (each key is used once, §9.2) and the cache
// of received proposals.
//
// Secrets live in SecretBytes and are wiped when the Group (or an old epoch it
// keeps for late application messages) is destroyed.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/kem.h"
#include "ztm/crypto/signature.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/credential_validator.h"
#include "ztm/mls/key_schedule.h"
#include "ztm/mls/messages/messages.h"
#include "ztm/mls/proposal_list.h"
#include "ztm/mls/psk.h"
#include "ztm/mls/ratchet_tree.h"
#include "ztm/mls/secret_tree.h"

namespace ztm::mls {

// GroupConfig holds the policy knobs of one member's group state.
struct GroupConfig {
  // validator authenticates every credential entering the group (required; the
  // pointer must outlive the Group).
  const CredentialValidator* validator = nullptr;
  // encrypt_handshake sends proposals and commits as PrivateMessage (else
  // PublicMessage, which the Delivery Service can inspect).
  bool encrypt_handshake = false;
  // padding_block: PrivateMessage plaintexts are padded to a multiple of this.
  std::size_t padding_block = 32;
  // max_past_epochs: how many earlier epochs stay available to decrypt late
  // application messages (their keys are wiped when they fall out).
  std::size_t max_past_epochs = 3;
  SecretTreeLimits secret_tree_limits;
  // now_seconds, when set, is the time against which KeyPackage lifetimes are
  // checked; unset skips lifetime checks (test vectors from the past).
  std::optional<std::uint64_t> now_seconds;
  // psks resolves PreSharedKey proposals (external PSKs, resumption PSKs); may
  // be null if the group never uses PSKs. Must outlive the Group.
  const PskStore* psks = nullptr;
};

// MemberSigner is a member's signature key and the credential that names it.
struct MemberSigner {
  crypto::SignaturePrivateKey signature_key;
  Credential credential;
};

// KeyPackageOptions shapes a new KeyPackage's leaf.
struct KeyPackageOptions {
  Capabilities capabilities;  // empty lists mean "this suite, mls10, basic+x509"
  Lifetime lifetime{0, ~std::uint64_t{0}};
  ExtensionList leaf_extensions;
  ExtensionList extensions;
};

// KeyPackageBundle is a KeyPackage with the private keys its owner keeps until
// the Welcome that uses it arrives.
struct KeyPackageBundle {
  KeyPackage key_package;
  KeyPackageRef ref;
  crypto::DhPrivateKey init_key;
  crypto::DhPrivateKey encryption_key;
  MemberSigner signer;
};

// create_key_package makes and signs a fresh KeyPackage (§10).
Result<KeyPackageBundle> create_key_package(const CipherSuite& suite, MemberSigner signer,
                                            const KeyPackageOptions& options = {});

// Member is one entry of the roster: a non-blank leaf.
struct Member {
  LeafIndex leaf;
  const LeafNode* leaf_node;  // valid until the Group changes
};

// CommitOptions controls what commit() builds.
struct CommitOptions {
  // proposals are sent by value in the Commit, after every cached proposal.
  std::vector<Proposal> by_value;
  // force_path adds an UpdatePath even when no proposal requires one.
  bool force_path = false;
  // inline_tree puts the ratchet_tree extension into the Welcome's GroupInfo.
  bool inline_tree = true;
  // external_pub adds the external_pub extension to the GroupInfo (enables
  // external joins for whoever gets it).
  bool external_pub = true;
  // authenticated_data travels in the clear (PublicMessage) or authenticated
  // (PrivateMessage) with the Commit.
  Bytes authenticated_data;
};

// CommitResult is what a committer sends and the state it moves to once the
// Delivery Service confirms its Commit (§14: a sender must not assume its
// Commit won until it sees it accepted).
struct CommitResult {
  MLSMessage commit;
  std::optional<MLSMessage> welcome;  // present if the Commit adds members
  GroupInfo group_info;               // of the new epoch
  std::shared_ptr<const class Group> next;
};

// ProcessedMessage is the outcome of process(): what arrived and from whom.
struct ProcessedMessage {
  ContentType content_type = ContentType::application;
  Sender sender;
  std::uint64_t epoch = 0;
  Bytes authenticated_data;
  Bytes application_data;            // application messages
  std::optional<Proposal> proposal;  // proposals (also cached for a later Commit)
  // next is the new epoch's state after a Commit; nullptr if the Commit removed
  // this member (which must stop using the group).
  std::shared_ptr<const class Group> next;
  bool removed_self = false;
};

// PriorGroup is what a new group needs of an earlier one to be linked to it by
// a resumption PSK (§8.6): a reinitialization (§11.2, usage reinit) or a
// subgroup branch (§11.3, usage branch). It is taken from the old group with
// Group::reinit_prior() or Group::branch_prior() and outlives that group, so a
// member can still create or join the new group once the old state is gone.
// It holds the old epoch's resumption_psk (wiped on destruction).
struct PriorGroup {
  ResumptionPSKUsage usage = ResumptionPSKUsage::branch;
  ProtocolVersion version = ProtocolVersion::mls10;
  CipherSuiteId cipher_suite = 0;
  Bytes group_id;           // of the old group
  std::uint64_t epoch = 0;  // the old epoch whose resumption_psk links the groups
  SecretBytes resumption_psk;
  // members are the credentials of the old epoch's members: the new group must
  // hold all of them (reinit) or only some of them (branch).
  std::vector<Credential> members;
  // reinit is the committed ReInit proposal (usage reinit only): the new group's
  // group_id, version, cipher_suite and extensions.
  std::optional<ReInit> reinit;
};

// JoinOptions carries what a joiner may need besides the Welcome.
struct JoinOptions {
  // tree is the ratchet tree supplied out of band when the GroupInfo has no
  // ratchet_tree extension.
  std::optional<RatchetTree> tree;
  // psks resolves the PSKs the Welcome names (external ones, or resumption
  // PSKs).
  const PskStore* psks = nullptr;
  // prior is the old group a reinit or branch Welcome links to (§12.4.3.1): the
  // Welcome's one reinit/branch PSK must name it, and the new group must match
  // it (epoch 1; reinit: the ReInit's parameters and every old member; branch:
  // the same version and suite, members taken from the old group). Borrowed
  // for the call.
  const PriorGroup* prior = nullptr;
};

// ExternalJoinOptions shapes an external Commit (§12.4.3.2).
struct ExternalJoinOptions {
  // tree is the ratchet tree when the GroupInfo has no ratchet_tree extension.
  std::optional<RatchetTree> tree;
  // remove_prior removes the joiner's earlier appearance (a resync, §12.4.3.2).
  std::optional<LeafIndex> remove_prior;
  // external_psk_ids are external PSKs to inject as PreSharedKey proposals;
  // config.psks must hold each of them.
  std::vector<Bytes> external_psk_ids;
  KeyPackageOptions leaf_options;
};

// ResumedGroupOptions shapes the first Commit of a reinitialized or branched
// group (§11.2, §11.3).
struct ResumedGroupOptions {
  // group_id and extensions of a branch; a reinit takes both from its ReInit.
  Bytes group_id;
  ExtensionList extensions;
  // key_packages are the other members of the new group, one each.
  std::vector<KeyPackage> key_packages;
  bool force_path = false;
  bool inline_tree = true;   // ratchet_tree extension in the Welcome
  bool external_pub = true;  // external_pub in the returned GroupInfo
};

// ResumedGroup is the creator's state of a new group at epoch 1 and the
// Welcome for everybody else.
struct ResumedGroup;

class Group {
 public:
  // create starts a one-member group at epoch 0 (§11) with the creator at leaf
  // 0.
  static Result<Group> create(const CipherSuite& suite, Bytes group_id, MemberSigner signer,
                              ExtensionList group_extensions, const GroupConfig& config,
                              const KeyPackageOptions& leaf_options = {});

  // join processes a Welcome (§12.4.3.1) with the KeyPackage it was made for.
  static Result<Group> join(const Welcome& welcome, const KeyPackageBundle& key_package,
                            const GroupConfig& config, const JoinOptions& options = {});

  // join_external builds an external Commit (§12.4.3.2) from a GroupInfo and
  // returns it with the joiner's new state. The tree comes from the GroupInfo's
  // ratchet_tree extension or from tree.
  static Result<struct ExternalJoin> join_external(
      const GroupInfo& group_info, MemberSigner signer, const GroupConfig& config,
      std::optional<RatchetTree> tree = std::nullopt,
      std::optional<LeafIndex> remove_prior = std::nullopt,
      const KeyPackageOptions& leaf_options = {});

  // join_external with every option (external PSKs among them).
  static Result<struct ExternalJoin> join_external(const GroupInfo& group_info, MemberSigner signer,
                                                   const GroupConfig& config,
                                                   const ExternalJoinOptions& options);

  // create_resumed starts the group that `prior` links to (§11.2, §11.3): a
  // group at epoch 0 with the creator's leaf, then a Commit adding
  // options.key_packages with a PreSharedKey proposal of type resumption (usage
  // reinit or branch, a fresh psk_nonce) naming prior's epoch. signer must fit
  // the new group's cipher suite. A reinit must bring every old member back
  // (checked on credentials); a branch may only take old members.
  static Result<ResumedGroup> create_resumed(const PriorGroup& prior, MemberSigner signer,
                                             const GroupConfig& config,
                                             const ResumedGroupOptions& options);

  Group(const Group&);
  Group& operator=(const Group&);
  Group(Group&&) noexcept;
  Group& operator=(Group&&) noexcept;
  ~Group();

  // --- the current epoch
  // --------------------------------------------------------
  const CipherSuite& suite() const;
  const Bytes& group_id() const;
  std::uint64_t epoch() const;
  LeafIndex own_leaf() const;
  const GroupContext& context() const;
  const RatchetTree& tree() const;
  std::vector<Member> members() const;
  // epoch_authenticator is the epoch's authenticator (§8.7): equal at every
  // member.
  ByteView epoch_authenticator() const;
  // exporter is MLS-Exporter(label, context, length) of this epoch (§8.5).
  Result<SecretBytes> exporter(std::string_view label, ByteView context, std::size_t length) const;
  // group_info makes a signed GroupInfo of this epoch (§12.4.3), optionally
  // with the ratchet tree and the external_pub extension.
  Result<GroupInfo> group_info(bool inline_tree, bool external_pub) const;
  // resumption_psk is this epoch's resumption_psk (for
  // PskStore::add_resumption).
  const SecretBytes& resumption_psk() const;
  // signer is this member's signature key and credential.
  const MemberSigner& signer() const;
  // config is the configuration this state was made with.
  const GroupConfig& config() const;
  // find_member returns the leaf of the member whose credential equals
  // credential, if any.
  std::optional<LeafIndex> find_member(const Credential& credential) const;

  // pending_reinit is the ReInit committed by the Commit that started this
  // epoch (§12.1.5). Such a group is finished: it refuses further Commits,
  // proposals and application data; the members continue in the new group
  // (reinit_prior()).
  const std::optional<ReInit>& pending_reinit() const;
  // reinit_prior links this finished group to its successor (usage reinit,
  // this epoch). invalid_state "group.no_pending_reinit" if no ReInit was
  // committed.
  Result<PriorGroup> reinit_prior() const;
  // branch_prior links this epoch to a subgroup branched from it (usage branch).
  PriorGroup branch_prior() const;

  // --- sending
  // ------------------------------------------------------------------ protect
  // encrypts application data as a PrivateMessage (§6.3).
  Result<MLSMessage> protect(ByteView application_data, ByteView authenticated_data = {});
  // propose signs a proposal from this member and caches it for the next
  // Commit.
  Result<MLSMessage> propose(Proposal proposal, ByteView authenticated_data = {});
  // propose_update proposes a fresh leaf for this member (§12.1.2): new HPKE
  // key, same signature key and credential. The private key is kept until a
  // Commit of another member applies the Update (or the epoch ends).
  Result<MLSMessage> propose_update(ByteView authenticated_data = {});
  // is_own_proposal tells whether message is a proposal this member sent in
  // this epoch (already cached by propose(); processing it again would fail).
  bool is_own_proposal(const MLSMessage& message) const;
  // commit builds a Commit of every cached proposal plus options.by_value
  // (§12.4). This Group is unchanged: the new epoch is in result.next. It
  // consumes a handshake key when handshakes are encrypted, hence non-const.
  Result<CommitResult> commit(const CommitOptions& options = {});

  // --- receiving
  // ---------------------------------------------------------------- process
  // handles a PublicMessage or PrivateMessage of this group: application data
  // of this epoch or a kept earlier one, a proposal (cached), or a Commit of
  // this epoch (result.next is the new epoch). The group changes only if the
  // message verified completely.
  Result<ProcessedMessage> process(const MLSMessage& message);

  // pending_proposals is the number of proposals cached for the next Commit.
  std::size_t pending_proposals() const;

 private:
  explicit Group(std::unique_ptr<struct GroupState> state);
  friend struct GroupAccess;
  std::unique_ptr<GroupState> state_;
};

// ExternalJoin is an external Commit and the joiner's state in the new epoch.
struct ExternalJoin {
  MLSMessage commit;
  Group group;
};

struct ResumedGroup {
  Group group;           // the creator, at epoch 1
  MLSMessage welcome;    // for every member of options.key_packages
  GroupInfo group_info;  // of epoch 1 (without the tree)
};

}  // namespace ztm::mls
