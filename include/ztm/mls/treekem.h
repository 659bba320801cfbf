// TreeKEM (RFC 9420 §7.4–§7.6, §7.9): creating an UpdatePath for a commit, merging a
// received UpdatePath into the ratchet tree, and decrypting its path secret.
//
// The tree is changed in place, but only along the sender's direct path, and each
// operation saves that path first: on any failure the path is restored and the tree
// is exactly as before (no whole-tree copy per commit). Private keys are never
// changed in place: decryption returns a new TreeKemPrivateKey for the caller to
// swap in when the whole commit succeeded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/kem.h"
#include "ztm/crypto/signature.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/messages/group_context.h"
#include "ztm/mls/messages/proposals.h"
#include "ztm/mls/ratchet_tree.h"
#include "ztm/mls/tree_math.h"

namespace ztm::mls {

// TreeKemPrivateKey is one member's private view of the tree: the HPKE private keys
// of its leaf and of the nodes of its direct path it knows (the tree invariant of
// §4.2). It holds at most a path's worth of keys (≤ 33).
class TreeKemPrivateKey {
 public:
  TreeKemPrivateKey(LeafIndex leaf_index, crypto::DhPrivateKey leaf_key);

  LeafIndex leaf_index() const { return leaf_index_; }
  // key is the private key for node n, or nullptr.
  const crypto::DhPrivateKey* key(NodeIndex n) const;
  void set_key(NodeIndex n, crypto::DhPrivateKey key);
  // set_path_secret stores the key of node n derived from its path secret:
  // DeriveKeyPair(DeriveSecret(path_secret, "node")) (§7.4).
  Result<void> set_path_secret(const CipherSuite& suite, NodeIndex n,
                               const SecretBytes& path_secret);
  // implant is what a joiner does with GroupSecrets.path_secret (§12.4.3.1): the
  // secret belongs to `start` (the lowest common ancestor of the joiner and the
  // committer) and each further non-blank ancestor gets the next DeriveSecret(.,
  // "path").
  Result<void> implant(const CipherSuite& suite, const RatchetTree& tree, NodeIndex start,
                       const SecretBytes& path_secret);
  // consistent_with checks that every key held belongs to a non-blank node of tree
  // whose public key matches; the failure is "treekem.private_key_mismatch".
  Result<void> consistent_with(const RatchetTree& tree) const;
  // forget drops the keys of nodes that are blank in tree (after removes and
  // updates), keeping the invariant that only current keys are held.
  void forget_blank(const RatchetTree& tree);
  // forget drops the key of node n, if held.
  void forget(NodeIndex n);

  std::size_t size() const { return keys_.size(); }

 private:
  LeafIndex leaf_index_;
  std::vector<std::pair<NodeIndex, crypto::DhPrivateKey>> keys_;  // sorted by node
};

// CreatedUpdatePath is what the committer gets from create_update_path.
struct CreatedUpdatePath {
  UpdatePath update_path;
  // private_key is the committer's new private view (leaf and path keys).
  TreeKemPrivateKey private_key;
  // path_secrets pairs each node of the filtered direct path with its path secret,
  // leaf to root: a Welcome carries the one at the lowest common ancestor.
  std::vector<std::pair<NodeIndex, SecretBytes>> path_secrets;
  SecretBytes commit_secret;
};

// path_secret_for returns the path secret a new member at `joiner` needs: the one of
// the lowest common ancestor of the committer and joiner (nullptr if none).
const SecretBytes* path_secret_for(const CreatedUpdatePath& created, LeafIndex committer,
                                   LeafIndex joiner);

// create_update_path generates fresh keys for the sender's leaf and filtered direct
// path, merges them into tree (with parent hashes, §7.9), signs the new leaf (built
// from leaf_template: its encryption key, source, parent hash and signature are
// replaced), sets provisional_context.tree_hash to the new tree hash, and encrypts
// each path secret to the copath resolution, leaving out the `new_members` added in
// the same commit (§12.4.2). On failure tree is unchanged.
Result<CreatedUpdatePath> create_update_path(RatchetTree& tree, LeafIndex sender,
                                             LeafNode leaf_template,
                                             const crypto::SignaturePrivateKey& signer,
                                             GroupContext& provisional_context,
                                             std::span<const LeafIndex> new_members);

// merge_update_path is the public half of processing a received UpdatePath
// (§7.5): it checks that the path has one node per filtered direct path node and
// that none of its keys is already in the tree, blanks the sender's direct path,
// sets the new parent nodes, recomputes the parent hashes and checks the leaf's
// parent_hash against them ("treekem.parent_hash_mismatch"), then sets the leaf.
// The leaf's signature and other §7.3 rules are the caller's (validate_leaf_node).
// On failure tree is unchanged.
Result<void> merge_update_path(RatchetTree& tree, LeafIndex sender, const UpdatePath& path);

// DecryptedUpdatePath is what a receiver learns from an UpdatePath.
struct DecryptedUpdatePath {
  // path_secret is the secret decrypted from the path, for node `node`.
  NodeIndex node;
  SecretBytes path_secret;
  SecretBytes commit_secret;
  // private_key is the receiver's new private view.
  TreeKemPrivateKey private_key;
};

// decrypt_update_path decrypts the path secret meant for `me` from a path already
// merged into tree, using the encoded provisional GroupContext (with the merged
// tree's hash) as HPKE context, derives the keys above it and checks each against
// the path ("treekem.public_key_mismatch"). new_members are the leaves added in the
// same commit (left out of the resolutions).
Result<DecryptedUpdatePath> decrypt_update_path(const RatchetTree& tree, LeafIndex sender,
                                                const UpdatePath& path, const TreeKemPrivateKey& me,
                                                ByteView provisional_context,
                                                std::span<const LeafIndex> new_members);

}  // namespace ztm::mls
