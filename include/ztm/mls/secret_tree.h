// The secret tree (RFC 9420 §9) and its per-sender hash ratchets, with the deletion
// schedule of §9.2, plus the sender-data key derivation of §6.3.2.
//
//   tree_node_[N]_secret --> ExpandWithLabel(., "tree", "left",  Nh) = left child
//                        --> ExpandWithLabel(., "tree", "right", Nh) = right child
//   leaf secret --> ExpandWithLabel(., "handshake",   "", Nh) = handshake_ratchet_secret_[0]
//               --> ExpandWithLabel(., "application", "", Nh) = application_ratchet_secret_[0]
//   ratchet_secret_[j] --> DeriveTreeSecret(., "nonce",  j, Nn) = ratchet_nonce_[j]
//                      --> DeriveTreeSecret(., "key",    j, Nk) = ratchet_key_[j]
//                      --> DeriveTreeSecret(., "secret", j, Nh) = ratchet_secret_[j+1]
//
// Work is proportional to the path length (log N) and to the generations skipped,
// never to the group size: node secrets are derived on first use of a leaf, and a
// parent's secret is wiped as soon as both children exist (it is consumed).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/tree_math.h"

namespace ztm::mls {

// RatchetType picks one of a leaf's two ratchets: proposals and commits use the
// handshake ratchet, application data the application ratchet (§6.3.1).
enum class RatchetType : std::uint8_t { handshake, application };

// RatchetKey is the AEAD key and nonce for one generation of one ratchet.
struct RatchetKey {
  std::uint32_t generation = 0;
  SecretBytes key;
  SecretBytes nonce;
};

// ReuseGuard is SenderData.reuse_guard (opaque reuse_guard[4]).
using ReuseGuard = std::array<std::uint8_t, 4>;

// apply_reuse_guard XORs the guard into the first four bytes of nonce (§6.3.1);
// the result is the nonce actually given to the AEAD. nonce must hold >= 4 bytes.
void apply_reuse_guard(const ReuseGuard& guard, MutableByteView nonce);

// SecretTreeLimits bounds the work and memory an untrusted generation number can
// cause (STYLE rule 10).
struct SecretTreeLimits {
  // max_forward_jump: how many generations past the next expected one a message
  // may claim. Each skipped generation costs three KDF calls and a cached key.
  std::uint32_t max_forward_jump = 1000;
  // out_of_order_window: keys of skipped generations are kept while they are at
  // most this many generations behind the ratchet's head; older ones are wiped.
  std::uint32_t out_of_order_window = 1000;
  // max_retained_keys: skipped-generation keys held across all senders at once.
  // Sender data is sealed with a key every member knows, so one member could
  // otherwise make a receiver hold window-many keys for every leaf.
  std::size_t max_retained_keys = 10000;
};

// SecretTree owns one epoch's encryption_secret and everything derived from it.
// Keys are single-use: key_for hands out a generation's key without deleting it
// (a message that then fails to decrypt must not burn the key of the real one),
// and consume deletes it once it protected or opened a message. Destroying or
// wiping the tree zeroizes every secret it holds. One SecretTree belongs to one
// thread.
class SecretTree {
 public:
  // create takes the epoch's encryption_secret (Nh bytes) and the ratchet tree's
  // leaf count (a power of two, at least 1).
  static Result<SecretTree> create(const CipherSuite& suite, const SecretBytes& encryption_secret,
                                   LeafCount leaves, SecretTreeLimits limits = {});

  LeafCount leaf_count() const { return leaves_; }
  const SecretTreeLimits& limits() const { return limits_; }

  // key_for returns the key and nonce of `generation` of leaf's ratchet, deriving
  // forward (and caching the skipped generations' keys) if needed. Errors:
  //   secret_tree.leaf_out_of_range (protocol_violation) — no such leaf;
  //   secret_tree.generation_too_far_ahead (limit_exceeded) — beyond max_forward_jump;
  //   secret_tree.generation_too_old (unknown_key) — behind the window, key wiped;
  //   secret_tree.generation_consumed (replay) — already used for a message;
  //   secret_tree.too_many_retained_keys (limit_exceeded) — max_retained_keys reached.
  Result<RatchetKey> key_for(LeafIndex leaf, RatchetType type, std::uint32_t generation);

  // consume deletes generation's key of leaf's ratchet (§9.2): call it once that key
  // protected or successfully opened a message. Consuming the head generation
  // advances the ratchet. Consuming a key that is not held is a no-op.
  void consume(LeafIndex leaf, RatchetType type, std::uint32_t generation);

  // next_send_key returns the next unused key of this member's own ratchet and
  // consumes it at once: a sender never uses a generation twice. counter_exhausted
  // when the 32-bit generation space is used up.
  Result<RatchetKey> next_send_key(LeafIndex own_leaf, RatchetType type);

  // wipe zeroizes and drops every secret now (e.g. at epoch end).
  void wipe();

 private:
  // HashRatchet is one sender ratchet: the secret at `next_generation`, plus the
  // keys of skipped generations within the window.
  struct HashRatchet {
    SecretBytes next_secret;
    std::uint32_t next_generation = 0;
    bool exhausted = false;  // generation 2^32 - 1 was consumed
    std::map<std::uint32_t, RatchetKey> skipped;
  };
  struct LeafRatchets {
    HashRatchet handshake;
    HashRatchet application;
    HashRatchet& get(RatchetType t) {
      return t == RatchetType::handshake ? handshake : application;
    }
  };

  SecretTree(const CipherSuite& suite, LeafCount leaves, SecretTreeLimits limits)
      : suite_(suite), leaves_(leaves), limits_(limits) {}

  Result<LeafRatchets*> ratchets(LeafIndex leaf);
  Result<SecretBytes> leaf_secret(LeafIndex leaf);
  Result<RatchetKey> derive_key(const HashRatchet& r) const;
  Result<void> advance(HashRatchet& r) const;
  void evict_old(HashRatchet& r);

  CipherSuite suite_;
  LeafCount leaves_;
  SecretTreeLimits limits_;
  // Node secrets not yet consumed, by node index: the frontier between derived
  // and underived parts of the tree.
  std::unordered_map<std::uint32_t, SecretBytes> nodes_;
  std::unordered_map<std::uint32_t, LeafRatchets> ratchets_;
  std::size_t retained_ = 0;  // skipped keys held, over all ratchets
};

// SenderDataKey is the AEAD key and nonce for one PrivateMessage's SenderData.
struct SenderDataKey {
  SecretBytes key;
  SecretBytes nonce;
};

// derive_sender_data_key computes (§6.3.2), with ciphertext_sample the first Nh
// bytes of the content ciphertext (all of it if shorter):
//   sender_data_key   = ExpandWithLabel(sender_data_secret, "key",   sample, AEAD.Nk)
//   sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", sample, AEAD.Nn)
Result<SenderDataKey> derive_sender_data_key(const CipherSuite& suite,
                                             const SecretBytes& sender_data_secret,
                                             ByteView ciphertext);

}  // namespace ztm::mls
