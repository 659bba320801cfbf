// The inside of mls::Group, shared by the files that implement it (group_*.cc).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ztm/mls/group.h"
#include "ztm/mls/treekem.h"

namespace ztm::mls {

// CachedProposal is a proposal received (or sent) in this epoch, kept by its
// ProposalRef until a Commit covers it (§12.1).
struct CachedProposal {
  ProposalRef ref;
  Proposal proposal;
  Sender sender;
};

// PastEpoch is what an earlier epoch keeps so that late application messages
// (§15.3) still decrypt and verify: its keys, context and leaves' signature
// keys.
struct PastEpoch {
  std::uint64_t epoch = 0;
  GroupContext context;
  std::vector<Bytes> signature_keys;  // by leaf index; empty for blank leaves
  SecretBytes sender_data_secret;
  std::shared_ptr<SecretTree> secret_tree;
};

// kMaxResumptionHistory bounds how many earlier epochs' resumption PSKs a group
// keeps (§8.6 asks for a bound).
inline constexpr std::size_t kMaxResumptionHistory = 16;

struct GroupState {
  CipherSuite suite;
  GroupConfig config;
  GroupContext context;
  RatchetTree tree;
  LeafIndex own_leaf;
  MemberSigner signer;
  // private_key holds the HPKE private keys this member knows: its own leaf's
  // and those of the nodes on its direct path (the tree invariant of §4.2).
  TreeKemPrivateKey private_key;
  EpochSecrets secrets;
  SecretTree secret_tree;
  Bytes interim_transcript_hash;
  Bytes confirmation_tag;
  std::vector<CachedProposal> proposals;
  std::deque<std::shared_ptr<PastEpoch>> past_epochs;
  std::optional<ReInit> pending_reinit;
  // resumption_history keeps the resumption_psk of the most recent earlier epochs,
  // newest first, for resumption PreSharedKey proposals (§8.6).
  std::deque<std::pair<std::uint64_t, SecretBytes>> resumption_history;
  // own_proposals holds the encoded MLSMessages of the proposals this member
  // sent in this epoch (Group::is_own_proposal).
  std::vector<Bytes> own_proposals;
  // update_keys are the HPKE private keys of this member's pending Update
  // proposals; the one whose public key a committed Update installs becomes
  // the leaf key.
  std::vector<crypto::DhPrivateKey> update_keys;
  // linked_psk is the reinit/branch resumption PSK the first Commit of a
  // resumed group injects (§11.2, §11.3); set only on the epoch-0 state that
  // create_resumed commits from.
  std::optional<PskInput> linked_psk;

  GroupState(CipherSuite s, GroupConfig c, GroupContext ctx, RatchetTree t, LeafIndex own,
             MemberSigner sig, TreeKemPrivateKey pk, EpochSecrets sec, SecretTree st)
      : suite(std::move(s)),
        config(c),
        context(std::move(ctx)),
        tree(std::move(t)),
        own_leaf(own),
        signer(std::move(sig)),
        private_key(std::move(pk)),
        secrets(std::move(sec)),
        secret_tree(std::move(st)) {}
};

// GroupAccess lets the implementation files build Groups from States.
struct GroupAccess {
  static Group make(std::unique_ptr<GroupState> s) { return Group(std::move(s)); }
  static std::shared_ptr<Group> make_shared(std::unique_ptr<GroupState> s) {
    return std::make_shared<Group>(Group(std::move(s)));
  }
  static GroupState& state(Group& g) { return *g.state_; }
  static const GroupState& state(const Group& g) { return *g.state_; }
};

// default_capabilities is what ztmeet advertises when a caller gives none.
Capabilities default_capabilities(const CipherSuite& suite);

}  // namespace ztm::mls
