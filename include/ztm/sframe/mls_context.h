// SFrame keys from MLS (RFC 9605 §5.2): one base key per MLS epoch, KIDs that name
// the epoch, the sender's leaf index and a context id, and a grace period during
// which an old epoch's frames still decrypt before its keys are erased.
//
// The caller supplies the exporter output and the time; this library neither
// depends on the MLS library nor keeps threads or timers, so the meeting engine
// drives it deterministically.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/sframe/cipher_suite.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe {

// MlsOptions configures an MlsContext.
struct MlsOptions {
  // epoch_bits is E of §5.2: the KID carries epoch % 2^E, so at most 2^E epochs are
  // live at once. 1 to 32. Default 4: docs/decisions/0002-sframe-epoch-bits.md.
  unsigned epoch_bits = 4;
  // grace_period: how long an epoch stays decryptable after a newer one is added
  // (media in flight), before its keys are erased.
  std::chrono::steady_clock::duration grace_period = std::chrono::seconds(5);
  // replay_window_frames: as ReceiveOptions::replay_window_frames, per KID.
  std::size_t replay_window_frames = 1024;
  // max_receive_keys_per_epoch bounds the KIDs (sender x context id) one epoch
  // derives keys for. A key is kept only after a frame authenticated under it, so
  // only members can fill this; the bound caps memory if one misbehaves.
  std::size_t max_receive_keys_per_epoch = 4096;
};

// mls_sender_bits is S of §5.2: the smallest S with leaf_count <= 2^S.
unsigned mls_sender_bits(std::uint32_t leaf_count);

// mls_kid is the KID of §5.2:
//
//   KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))
//
//    64-S-E bits   S bits   E bits
//   +-------------+--------+-------+
//   | Context ID  | Index  | Epoch |
//   +-------------+--------+-------+
//
// It fails with invalid_argument when sender_index needs more than S bits or the
// context id more than 64 - S - E.
Result<KeyId> mls_kid(unsigned epoch_bits, unsigned sender_bits, std::uint64_t epoch,
                      std::uint32_t sender_index, std::uint64_t context_id);

// MlsFrameInfo is what the KID of a decrypted frame said. SFrame has no per-sender
// authentication (§7.2): any member could have produced a frame for any sender index.
struct MlsFrameInfo {
  std::uint64_t epoch = 0;
  std::uint32_t sender_index = 0;
  std::uint64_t context_id = 0;
  Counter ctr = 0;
};

// MlsUnprotected is a decrypted frame: the plaintext inside the caller's buffer,
// and where it came from.
struct MlsUnprotected {
  MutableByteView plaintext;
  MlsFrameInfo info;
};

// MlsContext is one member's SFrame state for one MLS group. Sending uses the
// newest epoch and this member's leaf index; each context id is its own KID with its
// own counter (e.g. audio and video streams). Receiving accepts every live epoch.
// Per-KID keys are derived on first use (the only allocation); every later frame
// under that KID allocates nothing. Not thread-safe.
class MlsContext {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  static Result<MlsContext> create(CipherSuite suite, MlsOptions options = {});
  ~MlsContext();
  MlsContext(MlsContext&&) noexcept;
  MlsContext& operator=(MlsContext&&) noexcept;

  CipherSuite suite() const;
  const MlsOptions& options() const;

  // add_epoch installs the epoch's base key,
  //
  //   sframe_epoch_secret = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
  //
  // computed by the MLS layer (exactly AEAD.Nk bytes), with the ratchet tree's
  // leaf_count (which fixes S) and this member's own_leaf_index. epoch must be
  // greater than every epoch added before. The new epoch becomes the sending epoch
  // at once; every older epoch may still be decrypted until now + grace_period; a
  // live epoch with the same low E bits is erased now (§5.2 "MUST remove").
  Result<void> add_epoch(std::uint64_t epoch, const SecretBytes& sframe_epoch_secret,
                         std::uint32_t leaf_count, std::uint32_t own_leaf_index, TimePoint now);

  // prepare_epoch installs an epoch's base key for receiving only (the "prepare"
  // step of a prepare/ready/execute switch): frames of the new epoch decrypt at
  // once, while protect keeps sending under the current sending epoch until
  // switch_epoch. Same rules as add_epoch otherwise (epoch after every epoch added
  // before; a live epoch with the same low E bits is erased now, even the sending
  // one, after which protect fails with invalid_state until the next switch).
  Result<void> prepare_epoch(std::uint64_t epoch, const SecretBytes& sframe_epoch_secret,
                             std::uint32_t leaf_count, std::uint32_t own_leaf_index, TimePoint now);
  // switch_epoch makes a prepared (live) epoch the sending epoch ("execute"): its
  // older epochs stay decryptable until now + grace_period, then are erased.
  // unknown_key if the epoch is not live; invalid_argument if it is older than the
  // current sending epoch.
  Result<void> switch_epoch(std::uint64_t epoch, TimePoint now);
  // sending_epoch is the epoch protect uses, if any.
  std::optional<std::uint64_t> sending_epoch() const;
  // has_epoch: is this epoch live (its keys installed and not erased)?
  bool has_epoch(std::uint64_t epoch) const;

  // protect encrypts a frame in the sending epoch (the newest one unless
  // prepare_epoch installed a newer one not yet switched to) under KID(epoch, own leaf index,
  // context_id), writing header || ciphertext || tag to the start of out (which
  // needs plaintext.size() + max_overhead bytes at most). Fails with invalid_state
  // before the first epoch, counter_exhausted when the KID's counter is spent.
  Result<MutableByteView> protect(std::uint64_t context_id, ByteView plaintext, ByteView metadata,
                                  MutableByteView out);
  Result<Bytes> protect(std::uint64_t context_id, ByteView plaintext, ByteView metadata);

  // unprotect first erases epochs whose grace period ended by now, then decrypts.
  // Errors: as ReceiveContext::unprotect, plus unknown_key for a KID whose epoch is
  // unknown or erased or whose sender index is outside the tree, protocol_violation
  // for a frame carrying this member's own sender index (a reflected frame), and
  // limit_exceeded when the epoch holds max_receive_keys_per_epoch keys.
  Result<MlsUnprotected> unprotect(ByteView sframe_ciphertext, ByteView metadata,
                                   MutableByteView out, TimePoint now);
  Result<Bytes> unprotect(ByteView sframe_ciphertext, ByteView metadata, TimePoint now);

  // expire erases (zeroizes) every epoch whose grace period ended by now.
  void expire(TimePoint now);
  // clear erases every key, e.g. when the meeting ends.
  void clear();

  // newest_epoch is the sending epoch, if any was added.
  std::optional<std::uint64_t> newest_epoch() const;
  // epoch_count is the number of live epochs (each holds its base key).
  std::size_t epoch_count() const;
  // key_count is the number of per-KID keys derived and held (send and receive).
  std::size_t key_count() const;

 private:
  struct Impl;
  explicit MlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::sframe
