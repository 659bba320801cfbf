// Pre-shared keys (RFC 9420 §8.4): the PSKLabel chain that turns a list of PSKs
// into psk_secret, and a bounded store that resolves PreSharedKeyIDs (the wire
// struct is in messages/proposals.h) to their secrets: external PSKs from the
// application, resumption PSKs from this client's own past epochs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/messages/proposals.h"

namespace ztm::mls {

// PskInput pairs a PreSharedKeyID with the PSK it names, in the order the Commit
// (or GroupSecrets) lists them.
struct PskInput {
  PreSharedKeyID id;
  SecretBytes psk;
};

// kMaxPsksPerCommit bounds the PSK chain: PSKLabel.count is a uint16.
inline constexpr std::size_t kMaxPsksPerCommit = 0xffff;

// struct { PreSharedKeyID id; uint16 index; uint16 count; } PSKLabel;
// compute_psk_secret chains the PSKs into psk_secret (§8.4):
//   psk_extracted_[i] = KDF.Extract(0, psk_[i])
//   psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, Nh)
//   psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1]), psk_secret_[0] = 0
// With no PSKs the result is the all-zero Nh-byte string. More than
// kMaxPsksPerCommit PSKs is limit_exceeded.
Result<SecretBytes> compute_psk_secret(const CipherSuite& suite, std::span<const PskInput> psks);

// PskStore resolves PreSharedKeyIDs to PSK values. External PSKs are registered by
// the application; resumption PSKs are recorded by the group after each epoch, and
// only the newest `max_resumption_epochs` per group are kept (§8.6 asks for a
// limit), older ones being wiped. A store belongs to one client and one thread.
class PskStore {
 public:
  static constexpr std::size_t kDefaultMaxResumptionEpochs = 16;

  explicit PskStore(std::size_t max_resumption_epochs = kDefaultMaxResumptionEpochs)
      : max_resumption_epochs_(max_resumption_epochs) {}

  // add_external registers (or replaces) an external PSK by its id.
  void add_external(ByteView psk_id, SecretBytes psk);
  // remove_external wipes an external PSK.
  void remove_external(ByteView psk_id);
  // add_resumption records epoch's resumption_psk for group_id.
  void add_resumption(ByteView group_id, std::uint64_t epoch, SecretBytes resumption_psk);

  // find returns the PSK for id, or unknown_key naming the rule
  // ("psk.unknown_external" / "psk.unknown_resumption").
  Result<SecretBytes> find(const PreSharedKeyID& id) const;
  // resolve looks up every id, in order, for compute_psk_secret.
  Result<std::vector<PskInput>> resolve(std::span<const PreSharedKeyID> ids) const;

 private:
  std::size_t max_resumption_epochs_;
  std::map<Bytes, SecretBytes> external_;
  // Per group, ascending epochs; at most max_resumption_epochs_ entries each.
  std::map<Bytes, std::deque<std::pair<std::uint64_t, SecretBytes>>> resumption_;
};

}  // namespace ztm::mls
