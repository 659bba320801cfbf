// SFrame contexts (RFC 9605 §4.4, Appendix A): a SendContext encrypts under one KID
// and owns that KID's counter; a ReceiveContext holds decryption keys by KID, each
// with a replay window. Both write into caller buffers and allocate nothing per
// frame once a key is added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/sframe/cipher_suite.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe {

namespace internal {
class FrameKey;
}  // namespace internal

// max_metadata_size is the longest metadata (RFC 9605 §9.4) a frame may carry. The
// AAD of the GCM suites is header || metadata, assembled on the stack; the bound
// keeps that copy small. Longer metadata fails with limit_exceeded.
inline constexpr std::size_t max_metadata_size = 1024;

// max_overhead is the most bytes protect adds to a plaintext: a 17-byte header and
// a 16-byte tag.
inline constexpr std::size_t max_overhead = max_header_size + 16;

// SendContext encrypts frames under one KID (a base_key used for encryption only,
// §4.4.1). It owns the CTR: frames get 0, 1, 2, ... in order, no caller ever
// chooses a counter or nonce, and the object cannot be copied, so a (KID, CTR)
// pair is never used twice. After CTR 2^64 - 1 has been used, protect fails with
// counter_exhausted for good: the application must move to a new key (MLS does so
// on every epoch). Not thread-safe; one sender owns it.
class SendContext {
 public:
  // create derives sframe_key and sframe_salt for kid from base_key (§4.4.2) and
  // keys the AEAD once.
  static Result<SendContext> create(CipherSuite suite, KeyId kid, const SecretBytes& base_key);
  ~SendContext();
  SendContext(SendContext&&) noexcept;
  SendContext& operator=(SendContext&&) noexcept;
  SendContext(const SendContext&) = delete;
  SendContext& operator=(const SendContext&) = delete;

  CipherSuite suite() const;
  KeyId kid() const;

  // next_header_size is the header length of the next frame. A caller that places
  // the plaintext at out + next_header_size() gets in-place encryption with no copy.
  std::size_t next_header_size() const;
  // protected_size is the exact length protect will write for this plaintext size.
  std::size_t protected_size(std::size_t plaintext_size) const;

  // protect encrypts one frame: it writes header || ciphertext || tag to the start
  // of out and returns that subspan (§4.4.3). metadata is authenticated, not sent.
  // plaintext may lie inside out (in-place). Failures before encryption
  // (buffer_too_small, limit_exceeded, invalid_argument) spend no counter value.
  Result<MutableByteView> protect(ByteView plaintext, ByteView metadata, MutableByteView out);
  // protect returning owned bytes, for convenience off the media path.
  Result<Bytes> protect(ByteView plaintext, ByteView metadata);

 private:
  friend struct SendContextTestAccess;  // tests move the counter to its limit
  SendContext() = default;

  std::unique_ptr<internal::FrameKey> key_;
  KeyId kid_ = 0;
  Counter next_ctr_ = 0;
  bool exhausted_ = false;
};

// ReceiveOptions configures a ReceiveContext.
struct ReceiveOptions {
  // replay_window_frames: how far below the highest CTR seen on a KID a frame may
  // arrive (reordering) and still be accepted, once. Frames further back fail with
  // replay. 1 to max_replay_window_frames; see
  // docs/decisions/0005-sframe-replay-window.md for the default.
  std::size_t replay_window_frames = 1024;
};

// max_replay_window_frames bounds the bitmap each KID keeps (8 KiB).
inline constexpr std::size_t max_replay_window_frames = std::size_t{1} << 16;

// ReceiveContext decrypts frames for any KID it holds a key for (keys used for
// decryption only, §4.4.1). Each KID has its own replay window. Not thread-safe.
class ReceiveContext {
 public:
  static Result<ReceiveContext> create(CipherSuite suite, ReceiveOptions options = {});
  ~ReceiveContext();
  ReceiveContext(ReceiveContext&&) noexcept;
  ReceiveContext& operator=(ReceiveContext&&) noexcept;

  CipherSuite suite() const;

  // add_key installs the key for kid. Re-adding a KID with a different base_key
  // replaces the old key (which is erased) and starts a fresh replay window;
  // re-adding the same base_key changes nothing, so the replay window survives
  // (docs/decisions/0004-sframe-readding-a-kid.md).
  Result<void> add_key(KeyId kid, const SecretBytes& base_key);
  // remove_key erases the key of kid; false if there was none.
  bool remove_key(KeyId kid);
  // key_count is the number of KIDs with a key.
  std::size_t key_count() const;

  // unprotect authenticates and decrypts one SFrame ciphertext (§4.4.4). Errors:
  // truncated / non_minimal_varint (bad header), unknown_key (no key for the KID),
  // replay (CTR seen before or below the window), authentication_failed (header,
  // ciphertext, tag or metadata altered). Only an authentic frame moves the replay
  // window. Output placement: see open_frame rules in docs/sframe.md — disjoint out
  // gets the plaintext at its start; out containing the ciphertext decrypts in
  // place and the returned span starts where the ciphertext body was.
  Result<MutableByteView> unprotect(ByteView sframe_ciphertext, ByteView metadata,
                                    MutableByteView out);
  // unprotect returning owned bytes, for convenience off the media path.
  Result<Bytes> unprotect(ByteView sframe_ciphertext, ByteView metadata);

 private:
  struct Impl;
  explicit ReceiveContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::sframe
