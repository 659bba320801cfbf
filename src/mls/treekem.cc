// TreeKEM: UpdatePath creation, merging and decryption (RFC 9420 §7.4–§7.6, §7.9).
#include "ztm/mls/treekem.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "ztm/base/parallel.h"
#include "ztm/crypto/random.h"

namespace ztm::mls {

namespace {

constexpr std::string_view kUpdatePathNodeLabel = "UpdatePathNode";

// kEncryptionsPerTask: HPKE encryptions per parallel task when an UpdatePath is
// encrypted (one costs ~50 us: two X25519 multiplications and the key schedule).
constexpr std::size_t kEncryptionsPerTask = 8;

// copath_child is the child of p (on sender's direct path) that is not.
NodeIndex copath_child(NodeIndex p, LeafIndex sender) {
  return is_in_subtree(sender.node(), left(p)) ? right(p) : left(p);
}

// PathSnapshot saves a leaf and its direct path; unless committed, it puts them
// back when destroyed, so that a failed operation leaves the tree as it was.
class PathSnapshot {
 public:
  PathSnapshot(RatchetTree& tree, LeafIndex leaf) : tree_(tree) {
    saved_.emplace_back(leaf.node(), tree.node(leaf.node()));
    for (NodeIndex n : direct_path(leaf.node(), tree.leaf_count())) {
      saved_.emplace_back(n, tree.node(n));
    }
  }
  PathSnapshot(const PathSnapshot&) = delete;
  PathSnapshot& operator=(const PathSnapshot&) = delete;
  ~PathSnapshot() {
    if (committed_) return;
    for (auto& [n, value] : saved_) (void)tree_.set_node(n, std::move(value));
  }
  void commit() { committed_ = true; }

 private:
  RatchetTree& tree_;
  std::vector<std::pair<NodeIndex, std::optional<Node>>> saved_;
  bool committed_ = false;
};

// set_path_nodes blanks sender's direct path, writes one ParentNode per filtered
// direct path node with its new key and parent hash (computed root to leaf, §7.9)
// and returns the parent hash the sender's leaf must carry.
Result<Bytes> set_path_nodes(RatchetTree& tree, LeafIndex sender, const NodePath& fdp,
                             const std::vector<const HPKEPublicKey*>& keys) {
  tree.blank_direct_path(sender);
  Bytes parent_hash;  // the root-most node's parent_hash is empty
  for (std::size_t k = fdp.size(); k-- > 0;) {
    ParentNode node{*keys[k], std::move(parent_hash), {}};
    ZTM_TRY(tree.set_node(fdp[k], Node{std::move(node)}));
    ZTM_TRY_ASSIGN(parent_hash, tree.parent_hash(fdp[k], copath_child(fdp[k], sender)));
  }
  return parent_hash;
}

// resolution_without lists the resolution of n minus the new members' leaves.
std::vector<NodeIndex> resolution_without(const RatchetTree& tree, NodeIndex n,
                                          std::span<const LeafIndex> new_members) {
  std::vector<NodeIndex> res = tree.resolution(n);
  if (!new_members.empty()) {
    std::erase_if(res, [&](NodeIndex r) {
      return r.is_leaf() &&
             std::find(new_members.begin(), new_members.end(), r.leaf()) != new_members.end();
    });
  }
  return res;
}

std::string_view as_key(ByteView v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

// check_keys_new rejects an UpdatePath whose keys repeat each other or any key
// already in the tree (§12.4.2: "none of the public keys in the UpdatePath appear
// in any node of the new ratchet tree").
Result<void> check_keys_new(const RatchetTree& tree, const UpdatePath& path) {
  std::unordered_set<std::string_view> fresh;
  fresh.insert(as_key(path.leaf_node.encryption_key));
  for (const auto& node : path.nodes) {
    if (!fresh.insert(as_key(node.encryption_key)).second) {
      return fail(Errc::protocol_violation, "treekem.duplicate_path_key: a key repeats in path");
    }
  }
  for (std::uint32_t i = 0; i < tree.width(); ++i) {
    const auto& node = tree.node(NodeIndex{i});
    if (node && fresh.contains(as_key(node->encryption_key()))) {
      return fail(Errc::protocol_violation,
                  "treekem.path_key_reused: node " + std::to_string(i) + " has the same key");
    }
  }
  return ok();
}

}  // namespace

// --- TreeKemPrivateKey ------------------------------------------------------------

TreeKemPrivateKey::TreeKemPrivateKey(LeafIndex leaf_index, crypto::DhPrivateKey leaf_key)
    : leaf_index_(leaf_index) {
  keys_.emplace_back(leaf_index.node(), std::move(leaf_key));
}

const crypto::DhPrivateKey* TreeKemPrivateKey::key(NodeIndex n) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), n,
                             [](const auto& entry, NodeIndex x) { return entry.first < x; });
  return it != keys_.end() && it->first == n ? &it->second : nullptr;
}

void TreeKemPrivateKey::set_key(NodeIndex n, crypto::DhPrivateKey key) {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), n,
                             [](const auto& entry, NodeIndex x) { return entry.first < x; });
  if (it != keys_.end() && it->first == n) {
    it->second = std::move(key);
  } else {
    keys_.emplace(it, n, std::move(key));
  }
}

Result<void> TreeKemPrivateKey::set_path_secret(const CipherSuite& suite, NodeIndex n,
                                                const SecretBytes& path_secret) {
  ZTM_TRY_ASSIGN(SecretBytes node_secret, suite.derive_secret(path_secret, "node"));
  ZTM_TRY_ASSIGN(crypto::DhPrivateKey key, suite.derive_key_pair(node_secret));
  set_key(n, std::move(key));
  return ok();
}

Result<void> TreeKemPrivateKey::implant(const CipherSuite& suite, const RatchetTree& tree,
                                        NodeIndex start, const SecretBytes& path_secret) {
  if (tree.is_blank(start)) {
    return fail(Errc::protocol_violation,
                "treekem.blank_implant_node: node " + std::to_string(start.value) + " is blank");
  }
  const LeafCount count = tree.leaf_count();
  const NodeIndex top = root(count);
  SecretBytes secret = path_secret;
  for (NodeIndex n = start;; n = parent(n, count)) {
    if (!tree.is_blank(n)) {
      ZTM_TRY(set_path_secret(suite, n, secret));
      ZTM_TRY_ASSIGN(secret, suite.derive_secret(secret, "path"));
    }
    if (n == top) break;
  }
  return ok();
}

Result<void> TreeKemPrivateKey::consistent_with(const RatchetTree& tree) const {
  for (const auto& [n, key] : keys_) {
    if (tree.is_blank(n) || tree.node(n)->encryption_key() != key.public_key()) {
      return fail(Errc::protocol_violation, "treekem.private_key_mismatch: node " +
                                                std::to_string(n.value) +
                                                " is blank or has another public key");
    }
  }
  return ok();
}

void TreeKemPrivateKey::forget(NodeIndex n) {
  std::erase_if(keys_, [n](const auto& entry) { return entry.first == n; });
}

void TreeKemPrivateKey::forget_blank(const RatchetTree& tree) {
  std::erase_if(keys_, [&tree](const auto& entry) { return tree.is_blank(entry.first); });
}

const SecretBytes* path_secret_for(const CreatedUpdatePath& created, LeafIndex committer,
                                   LeafIndex joiner) {
  const NodeIndex lca = common_ancestor(committer.node(), joiner.node());
  for (const auto& [n, secret] : created.path_secrets) {
    if (n == lca) return &secret;
  }
  return nullptr;
}

// --- Creating an UpdatePath -----------------------------------------------------

Result<CreatedUpdatePath> create_update_path(RatchetTree& tree, LeafIndex sender,
                                             LeafNode leaf_template,
                                             const crypto::SignaturePrivateKey& signer,
                                             GroupContext& provisional_context,
                                             std::span<const LeafIndex> new_members) {
  const CipherSuite& suite = tree.suite();
  if (tree.leaf(sender) == nullptr) {
    return fail(Errc::invalid_argument,
                "treekem.blank_sender: leaf " + std::to_string(sender.value) + " is blank");
  }
  if (leaf_template.signature_key != signer.public_key()) {
    return fail(Errc::invalid_argument,
                "treekem.signer_mismatch: the leaf's signature key is not the signer's");
  }
  const NodePath fdp = tree.filtered_direct_path(sender);

  // §7.4: one fresh secret; the leaf key and every path secret derive from it.
  const SecretBytes leaf_secret = crypto::random_secret(suite.hash_size());
  ZTM_TRY_ASSIGN(SecretBytes leaf_node_secret, suite.derive_secret(leaf_secret, "node"));
  ZTM_TRY_ASSIGN(crypto::DhPrivateKey leaf_key, suite.derive_key_pair(leaf_node_secret));
  CreatedUpdatePath out{{}, TreeKemPrivateKey(sender, leaf_key), {}, {}};
  std::vector<crypto::DhPrivateKey> node_keys;
  node_keys.reserve(fdp.size());
  SecretBytes secret = leaf_secret;
  for (NodeIndex n : fdp) {
    ZTM_TRY_ASSIGN(secret, suite.derive_secret(secret, "path"));
    ZTM_TRY_ASSIGN(SecretBytes node_secret, suite.derive_secret(secret, "node"));
    ZTM_TRY_ASSIGN(crypto::DhPrivateKey key, suite.derive_key_pair(node_secret));
    out.private_key.set_key(n, key);
    node_keys.push_back(std::move(key));
    out.path_secrets.emplace_back(n, secret);
  }
  ZTM_TRY_ASSIGN(out.commit_secret, suite.derive_secret(secret, "path"));

  std::vector<const HPKEPublicKey*> public_keys;
  for (const auto& key : node_keys) public_keys.push_back(&key.public_key());

  PathSnapshot snapshot(tree, sender);
  ZTM_TRY_ASSIGN(Bytes leaf_parent_hash, set_path_nodes(tree, sender, fdp, public_keys));
  LeafNode& leaf = leaf_template;
  leaf.encryption_key = leaf_key.public_key();
  leaf.leaf_node_source = LeafNodeSource::commit;
  leaf.parent_hash = std::move(leaf_parent_hash);
  ZTM_TRY(sign_leaf_node(suite, signer, leaf, provisional_context.group_id, sender));
  ZTM_TRY(tree.set_node(sender.node(), Node{leaf}));

  provisional_context.tree_hash = tree.root_tree_hash();
  const Bytes context = tls::encode(provisional_context);
  out.update_path.leaf_node = std::move(leaf);
  out.update_path.nodes.reserve(fdp.size());
  // One HPKE encryption per node of each copath resolution (§7.6): in a sparse tree
  // that is every other member, the whole cost of the commit. The recipients are
  // listed first (the RFC fixes the order of encrypted_path_secret: resolution
  // order, node by node of the filtered direct path), then encrypted in parallel,
  // each into its own slot; every encryption draws its own ephemeral key from
  // OpenSSL's thread-safe RAND.
  struct Recipient {
    const HPKEPublicKey* public_key;
    std::size_t path_index;  // k: which path secret, and which UpdatePathNode
  };
  std::vector<Recipient> recipients;
  for (std::size_t k = 0; k < fdp.size(); ++k) {
    UpdatePathNode node{node_keys[k].public_key(), {}};
    const auto res = resolution_without(tree, copath_child(fdp[k], sender), new_members);
    node.encrypted_path_secret.resize(res.size());
    for (NodeIndex r : res) recipients.push_back({&tree.node(r)->encryption_key(), k});
    out.update_path.nodes.push_back(std::move(node));
  }
  std::vector<HPKECiphertext*> slots;
  slots.reserve(recipients.size());
  for (auto& node : out.update_path.nodes) {
    for (auto& ct : node.encrypted_path_secret) slots.push_back(&ct);
  }
  std::vector<Result<void>> outcome(recipients.size());
  parallel_for(recipients.size(), kEncryptionsPerTask, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const Recipient& to = recipients[i];
      auto ct = suite.encrypt_with_label(*to.public_key, kUpdatePathNodeLabel, context,
                                         out.path_secrets[to.path_index].second.expose());
      if (ct) {
        *slots[i] = std::move(*ct);
      } else {
        outcome[i] = tl::unexpected(std::move(ct.error()));
      }
    }
  });
  for (auto& result : outcome) ZTM_TRY(result);
  snapshot.commit();
  return out;
}

// --- Receiving an UpdatePath ----------------------------------------------------

Result<void> merge_update_path(RatchetTree& tree, LeafIndex sender, const UpdatePath& path) {
  if (tree.leaf(sender) == nullptr) {
    return fail(Errc::protocol_violation,
                "treekem.blank_sender: leaf " + std::to_string(sender.value) + " is blank");
  }
  const NodePath fdp = tree.filtered_direct_path(sender);
  if (path.nodes.size() != fdp.size()) {
    return fail(Errc::protocol_violation,
                "treekem.wrong_path_length: " + std::to_string(path.nodes.size()) +
                    " nodes for a filtered direct path of " + std::to_string(fdp.size()));
  }
  if (path.leaf_node.leaf_node_source != LeafNodeSource::commit) {
    return fail(Errc::protocol_violation, "leaf_node.wrong_source: UpdatePath leaf not commit");
  }
  ZTM_TRY(check_keys_new(tree, path));
  std::vector<const HPKEPublicKey*> public_keys;
  for (const auto& node : path.nodes) public_keys.push_back(&node.encryption_key);

  PathSnapshot snapshot(tree, sender);
  ZTM_TRY_ASSIGN(Bytes leaf_parent_hash, set_path_nodes(tree, sender, fdp, public_keys));
  if (leaf_parent_hash != path.leaf_node.parent_hash) {
    return fail(Errc::protocol_violation,
                "treekem.parent_hash_mismatch: the committer's leaf does not carry the parent "
                "hash of its new path");
  }
  ZTM_TRY(tree.set_node(sender.node(), Node{path.leaf_node}));
  snapshot.commit();
  return ok();
}

Result<DecryptedUpdatePath> decrypt_update_path(const RatchetTree& tree, LeafIndex sender,
                                                const UpdatePath& path, const TreeKemPrivateKey& me,
                                                ByteView provisional_context,
                                                std::span<const LeafIndex> new_members) {
  const CipherSuite& suite = tree.suite();
  const LeafIndex self = me.leaf_index();
  if (self == sender) {
    return fail(Errc::invalid_argument, "treekem.own_path: a committer does not decrypt its path");
  }
  const NodePath fdp = tree.filtered_direct_path(sender);
  if (path.nodes.size() != fdp.size()) {
    return fail(Errc::protocol_violation, "treekem.wrong_path_length");
  }
  // The node of the filtered direct path whose copath child holds us (§7.5).
  std::size_t k = 0;
  while (k < fdp.size() && !is_in_subtree(self.node(), copath_child(fdp[k], sender))) ++k;
  if (k == fdp.size()) {
    return fail(Errc::protocol_violation, "treekem.no_path_node: no node of the path covers leaf " +
                                              std::to_string(self.value));
  }
  const auto res = resolution_without(tree, copath_child(fdp[k], sender), new_members);
  const auto& cts = path.nodes[k].encrypted_path_secret;
  if (cts.size() != res.size()) {
    return fail(Errc::protocol_violation,
                "treekem.wrong_ciphertext_count: " + std::to_string(cts.size()) +
                    " ciphertexts for a resolution of " + std::to_string(res.size()));
  }
  std::size_t r = 0;
  while (r < res.size() && me.key(res[r]) == nullptr) ++r;
  if (r == res.size()) {
    return fail(Errc::unknown_key, "treekem.no_private_key: no key for the copath resolution");
  }
  ZTM_TRY_ASSIGN(Bytes plain, suite.decrypt_with_label(*me.key(res[r]), kUpdatePathNodeLabel,
                                                       provisional_context, cts[r]));
  DecryptedUpdatePath out{fdp[k], SecretBytes::from_bytes(std::move(plain)), {}, me};
  // Keys of the sender's direct path are replaced or blanked by this path.
  TreeKemPrivateKey& next = out.private_key;
  for (NodeIndex n : direct_path(sender.node(), tree.leaf_count())) next.forget(n);
  SecretBytes secret = out.path_secret;
  for (std::size_t m = k; m < fdp.size(); ++m) {
    if (m > k) {
      ZTM_TRY_ASSIGN(secret, suite.derive_secret(secret, "path"));
    }
    ZTM_TRY_ASSIGN(SecretBytes node_secret, suite.derive_secret(secret, "node"));
    ZTM_TRY_ASSIGN(crypto::DhPrivateKey key, suite.derive_key_pair(node_secret));
    if (key.public_key() != path.nodes[m].encryption_key) {
      return fail(Errc::protocol_violation,
                  "treekem.public_key_mismatch: derived key differs from the path at node " +
                      std::to_string(fdp[m].value));
    }
    next.set_key(fdp[m], std::move(key));
  }
  ZTM_TRY_ASSIGN(out.commit_secret, suite.derive_secret(secret, "path"));
  return out;
}

}  // namespace ztm::mls
