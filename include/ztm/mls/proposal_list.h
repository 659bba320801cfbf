// Proposal-list validation and application (RFC 9420 §12.1, §12.2, §12.3): the
// rules a committer and every receiver of a Commit apply to the list of
// proposals it covers, and the new tree and GroupContext extensions that list
// produces.
//
// Every rejection is a typed error whose message starts with the rule's name,
// e.g. "proposal_list.duplicate_add" — the names are listed with each check in
// proposal_list.cc and are part of the API (tests match on them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/credential_validator.h"
#include "ztm/mls/messages/framed_content.h"
#include "ztm/mls/messages/group_context.h"
#include "ztm/mls/messages/key_package.h"
#include "ztm/mls/messages/proposals.h"
#include "ztm/mls/ratchet_tree.h"

namespace ztm::mls {

// CommittedProposal is one entry of a Commit's proposal list once references
// are resolved: the proposal, who proposed it, and the reference it was sent
// under.
struct CommittedProposal {
  Proposal proposal;
  Sender sender;
  std::optional<ProposalRef> reference;  // empty for proposals carried by value
};

// ProposalListInput is what validation needs besides the list itself. Pointers
// are borrowed for the duration of the call.
struct ProposalListInput {
  const GroupContext* context = nullptr;  // the current (old) GroupContext
  const RatchetTree* tree = nullptr;      // the current (old) tree
  // committer is member(leaf) for a regular Commit, new_member_commit for an
  // external one.
  Sender committer;
  const CredentialValidator* validator = nullptr;  // required
  std::optional<std::uint64_t> now_seconds;        // KeyPackage lifetimes, if set
  // reinit_or_branch allows resumption PSKs with usage reinit/branch (§12.1.4):
  // only when the Commit is the first of a reinitialized or branched group.
  bool reinit_or_branch = false;
};

// AppliedProposals is the effect of a valid list (§12.3): the new tree (before
// any UpdatePath is merged) and the new GroupContext extensions, plus what the
// rest of Commit processing needs.
struct AppliedProposals {
  RatchetTree tree;
  ExtensionList extensions;
  // added lists each new member's leaf and KeyPackage, in proposal order.
  struct Added {
    LeafIndex leaf;
    KeyPackage key_package;
  };
  std::vector<Added> added;
  std::vector<LeafIndex> removed;
  std::vector<LeafIndex> updated;
  std::vector<PreSharedKeyID> psks;  // in proposal order
  std::optional<ExternalInit> external_init;
  std::optional<ReInit> reinit;
  // path_required is true if the list is empty or holds a path-required type
  // (update, remove, external_init, group_context_extensions) (§12.4).
  bool path_required = true;
};

// validate_key_package checks a KeyPackage against a group (§10.1): version and
// cipher suite, its leaf node (source key_package, lifetime, capabilities for
// the group's extensions, credential), its signature, and init_key !=
// encryption_key.
Result<void> validate_key_package(const CipherSuite& suite, const KeyPackage& key_package,
                                  const GroupContext& context, const CredentialValidator& validator,
                                  std::optional<std::uint64_t> now_seconds);

// validate_proposal_sender checks that a proposal type may come from its sender
// (§12.1.8: external senders may send only add, remove, psk, reinit and
// group_context_extensions; new_member_proposal senders only add; members
// anything but external_init).
Result<void> validate_proposal_sender(const Proposal& proposal, const Sender& sender);

// apply_proposal_list validates a whole list (§12.2, regular or external Commit
// per input.committer) and applies it (§12.3) to copies of the tree and
// extensions. The inputs are not modified; on failure nothing is returned.
Result<AppliedProposals> apply_proposal_list(const CipherSuite& suite,
                                             std::span<const CommittedProposal> proposals,
                                             const ProposalListInput& input);

// path_required_for reports whether a list of these proposals requires an
// UpdatePath.
bool path_required_for(std::span<const CommittedProposal> proposals);

}  // namespace ztm::mls
