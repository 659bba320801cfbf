// External proposals (RFC 9420 §12.1.8): proposals signed by a party outside the
// group.
//
// ExternalSigner is a sender listed in a group's external_senders extension
// (§12.1.8.1), e.g. the meeting service, which proposes the Remove of a
// participant whose connection died. It holds a signature key and the
// credential that names it, and turns a Proposal into a signed PublicMessage
// for a given GroupContext (sender type `external`, no membership tag: an
// external party has no group secrets, §6.2). Members accept it only if the
// signer's key is in the group's external_senders list, and only for the
// proposal types §12.1.8 allows (add, remove, psk, reinit,
// group_context_extensions).
//
// propose_new_member_add is the other kind of external proposal: a would-be
// member adds itself (sender type `new_member_proposal`, signed with the
// KeyPackage's own key).
//
// The GroupContext comes from a GroupInfo the group published; the signer does
// not need the ratchet tree, except to find a leaf to remove
// (find_leaf_by_credential).
#pragma once

#include <cstdint>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/extensions.h"
#include "ztm/mls/group.h"
#include "ztm/mls/messages/messages.h"
#include "ztm/mls/ratchet_tree.h"

namespace ztm::mls {

class ExternalSigner {
 public:
  // create checks that the key fits the suite's signature scheme.
  static Result<ExternalSigner> create(const CipherSuite& suite,
                                       crypto::SignaturePrivateKey signature_key,
                                       Credential credential);
  // generate makes a fresh signature key for the suite.
  static Result<ExternalSigner> generate(const CipherSuite& suite, Credential credential);

  const CipherSuite& suite() const { return suite_; }
  // external_sender is this signer's entry for a group's external_senders
  // extension.
  ExternalSender external_sender() const;

  // sender_index finds this signer (by signature key) in the external_senders
  // extension of context; not_found "external_sender.not_listed" otherwise.
  Result<std::uint32_t> sender_index(const GroupContext& context) const;

  // propose signs proposal for the epoch of context as a PublicMessage from
  // Sender::external(sender_index(context)). The proposal type must be one an
  // external sender may send ("proposal.sender_not_allowed" otherwise), and
  // context's suite must be this signer's.
  Result<MLSMessage> propose(const GroupContext& context, Proposal proposal,
                             ByteView authenticated_data = {}) const;

  // propose_remove proposes removing the member at leaf.
  Result<MLSMessage> propose_remove(const GroupContext& context, LeafIndex leaf) const {
    return propose(context, Proposal{Remove{leaf.value}});
  }

 private:
  ExternalSigner(CipherSuite suite, crypto::SignaturePrivateKey key, Credential credential)
      : suite_(std::move(suite)), key_(std::move(key)), credential_(std::move(credential)) {}
  CipherSuite suite_;
  crypto::SignaturePrivateKey key_;
  Credential credential_;
};

// propose_new_member_add builds the Add of key_package's owner to the group of
// context, signed by that owner (sender new_member_proposal, §12.1.8), as a
// PublicMessage. The KeyPackage must be of context's cipher suite.
Result<MLSMessage> propose_new_member_add(const GroupContext& context,
                                          const KeyPackageBundle& key_package,
                                          ByteView authenticated_data = {});

// find_leaf_by_credential returns the first leaf of tree whose credential equals
// credential.
std::optional<LeafIndex> find_leaf_by_credential(const RatchetTree& tree,
                                                 const Credential& credential);

// verify_group_info checks a GroupInfo's signature against its signer's leaf in
// tree and that tree hashes to the GroupInfo's tree_hash, so an external party
// can trust the GroupContext (and the tree) it builds proposals on.
Result<void> verify_group_info(const GroupInfo& group_info, const RatchetTree& tree);

}  // namespace ztm::mls
