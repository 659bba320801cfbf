#include "ztm/mls/secret_tree.h"

#include <algorithm>
#include <limits>
#include <string>

namespace ztm::mls {

namespace {

constexpr std::uint32_t kMaxGeneration = std::numeric_limits<std::uint32_t>::max();

std::string where(LeafIndex leaf, std::uint32_t generation) {
  return "leaf " + std::to_string(leaf.value) + " generation " + std::to_string(generation);
}

}  // namespace

void apply_reuse_guard(const ReuseGuard& guard, MutableByteView nonce) {
  for (std::size_t i = 0; i < guard.size() && i < nonce.size(); ++i) nonce[i] ^= guard[i];
}

Result<SecretTree> SecretTree::create(const CipherSuite& suite,
                                      const SecretBytes& encryption_secret, LeafCount leaves,
                                      SecretTreeLimits limits) {
  if (encryption_secret.size() != suite.hash_size()) {
    return fail(Errc::invalid_argument, "secret_tree.encryption_secret_size: must be Nh bytes");
  }
  if (leaves.value == 0 || (leaves.value & (leaves.value - 1)) != 0 || leaves.value > (1u << 31)) {
    return fail(Errc::invalid_argument,
                "secret_tree.leaf_count: must be a power of two between 1 and 2^31");
  }
  SecretTree tree(suite, leaves, limits);
  tree.nodes_.emplace(root(leaves).value, encryption_secret);
  return tree;
}

Result<SecretBytes> SecretTree::leaf_secret(LeafIndex leaf) {
  const NodeIndex target = leaf.node();
  // Find the lowest node on the leaf's path whose secret is still held.
  NodeIndex start = target;
  if (!nodes_.contains(target.value)) {
    bool found = false;
    for (const NodeIndex n : direct_path(target, leaves_)) {
      if (nodes_.contains(n.value)) {
        start = n;
        found = true;
        break;
      }
    }
    if (!found) {
      return fail(Errc::invalid_state, "secret_tree.wiped: no secret left on the path of leaf " +
                                           std::to_string(leaf.value));
    }
  }
  // Walk down, deriving both children of each node and deleting the node (§9.2:
  // a secret is consumed once anything derived from it is).
  static constexpr std::uint8_t kLeft[] = {'l', 'e', 'f', 't'};
  static constexpr std::uint8_t kRight[] = {'r', 'i', 'g', 'h', 't'};
  NodeIndex node = start;
  while (node != target) {
    auto it = nodes_.find(node.value);
    ZTM_TRY_ASSIGN(auto left_secret,
                   suite_.expand_with_label(it->second, "tree", kLeft, suite_.hash_size()));
    ZTM_TRY_ASSIGN(auto right_secret,
                   suite_.expand_with_label(it->second, "tree", kRight, suite_.hash_size()));
    const NodeIndex l = left(node);
    const NodeIndex r = right(node);
    nodes_.erase(it);
    nodes_.insert_or_assign(l.value, std::move(left_secret));
    nodes_.insert_or_assign(r.value, std::move(right_secret));
    node = is_in_subtree(target, l) ? l : r;
  }
  auto it = nodes_.find(target.value);
  SecretBytes secret = std::move(it->second);
  nodes_.erase(it);
  return secret;
}

Result<SecretTree::LeafRatchets*> SecretTree::ratchets(LeafIndex leaf) {
  if (leaf.value >= leaves_.value) {
    return fail(Errc::protocol_violation, "secret_tree.leaf_out_of_range: leaf " +
                                              std::to_string(leaf.value) + " of " +
                                              std::to_string(leaves_.value));
  }
  auto it = ratchets_.find(leaf.value);
  if (it != ratchets_.end()) return &it->second;

  ZTM_TRY_ASSIGN(const SecretBytes secret, leaf_secret(leaf));
  LeafRatchets fresh;
  ZTM_TRY_ASSIGN(fresh.handshake.next_secret,
                 suite_.expand_with_label(secret, "handshake", {}, suite_.hash_size()));
  ZTM_TRY_ASSIGN(fresh.application.next_secret,
                 suite_.expand_with_label(secret, "application", {}, suite_.hash_size()));
  return &ratchets_.emplace(leaf.value, std::move(fresh)).first->second;
}

Result<RatchetKey> SecretTree::derive_key(const HashRatchet& r) const {
  RatchetKey out;
  out.generation = r.next_generation;
  ZTM_TRY_ASSIGN(out.key, suite_.derive_tree_secret(r.next_secret, "key", r.next_generation,
                                                    suite_.key_size()));
  ZTM_TRY_ASSIGN(out.nonce, suite_.derive_tree_secret(r.next_secret, "nonce", r.next_generation,
                                                      suite_.nonce_size()));
  return out;
}

Result<void> SecretTree::advance(HashRatchet& r) const {
  ZTM_TRY_ASSIGN(r.next_secret, suite_.derive_tree_secret(r.next_secret, "secret",
                                                          r.next_generation, suite_.hash_size()));
  if (r.next_generation == kMaxGeneration) {
    r.exhausted = true;
    r.next_secret.wipe();
  } else {
    ++r.next_generation;
  }
  return ok();
}

void SecretTree::evict_old(HashRatchet& r) {
  if (r.next_generation <= limits_.out_of_order_window) return;
  const std::uint32_t oldest_kept = r.next_generation - limits_.out_of_order_window;
  auto it = r.skipped.begin();
  while (it != r.skipped.end() && it->first < oldest_kept) {
    it = r.skipped.erase(it);
    --retained_;
  }
}

Result<RatchetKey> SecretTree::key_for(LeafIndex leaf, RatchetType type, std::uint32_t generation) {
  ZTM_TRY_ASSIGN(LeafRatchets * lr, ratchets(leaf));
  HashRatchet& r = lr->get(type);

  if (r.exhausted || generation < r.next_generation) {
    auto it = r.skipped.find(generation);
    if (it != r.skipped.end()) return it->second;
    const std::uint64_t head = r.exhausted ? std::uint64_t{kMaxGeneration} + 1 : r.next_generation;
    if (head - generation > limits_.out_of_order_window) {
      return fail(Errc::unknown_key, "secret_tree.generation_too_old: " + where(leaf, generation) +
                                         " is behind the out-of-order window");
    }
    return fail(Errc::replay, "secret_tree.generation_consumed: " + where(leaf, generation) +
                                  " was already used");
  }
  if (generation - r.next_generation > limits_.max_forward_jump) {
    return fail(Errc::limit_exceeded,
                "secret_tree.generation_too_far_ahead: " + where(leaf, generation) +
                    " skips more than " + std::to_string(limits_.max_forward_jump) +
                    " generations");
  }
  const std::uint32_t skipping = generation - r.next_generation;
  if (skipping > limits_.max_retained_keys - std::min(retained_, limits_.max_retained_keys)) {
    return fail(Errc::limit_exceeded,
                "secret_tree.too_many_retained_keys: " + where(leaf, generation) +
                    " would hold more than " + std::to_string(limits_.max_retained_keys) +
                    " skipped keys");
  }
  while (r.next_generation < generation) {
    ZTM_TRY_ASSIGN(auto skipped, derive_key(r));
    if (r.skipped.insert_or_assign(r.next_generation, std::move(skipped)).second) ++retained_;
    ZTM_TRY(advance(r));
  }
  evict_old(r);
  return derive_key(r);
}

void SecretTree::consume(LeafIndex leaf, RatchetType type, std::uint32_t generation) {
  auto it = ratchets_.find(leaf.value);
  if (it == ratchets_.end()) return;
  HashRatchet& r = it->second.get(type);
  if (!r.exhausted && generation == r.next_generation) {
    // The ratchet secret at the head is consumed with its key. A KDF failure here
    // would leave the head in place; the next key_for then reports the reuse.
    if (advance(r)) evict_old(r);
    return;
  }
  retained_ -= r.skipped.erase(generation);
}

Result<RatchetKey> SecretTree::next_send_key(LeafIndex own_leaf, RatchetType type) {
  ZTM_TRY_ASSIGN(LeafRatchets * lr, ratchets(own_leaf));
  HashRatchet& r = lr->get(type);
  if (r.exhausted) {
    return fail(Errc::counter_exhausted,
                "secret_tree.generation_exhausted: all 2^32 generations were used");
  }
  ZTM_TRY_ASSIGN(auto key, derive_key(r));
  ZTM_TRY(advance(r));
  evict_old(r);
  return key;
}

void SecretTree::wipe() {
  nodes_.clear();
  ratchets_.clear();
  retained_ = 0;
}

Result<SenderDataKey> derive_sender_data_key(const CipherSuite& suite,
                                             const SecretBytes& sender_data_secret,
                                             ByteView ciphertext) {
  const ByteView sample = ciphertext.first(std::min(ciphertext.size(), suite.hash_size()));
  SenderDataKey out;
  ZTM_TRY_ASSIGN(out.key,
                 suite.expand_with_label(sender_data_secret, "key", sample, suite.key_size()));
  ZTM_TRY_ASSIGN(out.nonce,
                 suite.expand_with_label(sender_data_secret, "nonce", sample, suite.nonce_size()));
  return out;
}

}  // namespace ztm::mls
