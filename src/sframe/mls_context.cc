#include "ztm/sframe/mls_context.h"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "internal/frame.h"
#include "ztm/sframe/context.h"

namespace ztm::sframe {

namespace {

constexpr unsigned kMaxEpochBits = 32;

// Epoch is one live MLS epoch: its base key and every per-KID key derived from it.
// Destroying it wipes all of them (SecretBytes, and OpenSSL clears its contexts).
struct Epoch {
  std::uint64_t epoch = 0;
  SecretBytes base_key;  // sframe_epoch_secret
  std::uint32_t leaf_count = 0;
  std::uint32_t own_leaf_index = 0;
  unsigned sender_bits = 0;
  std::optional<MlsContext::TimePoint> expires_at;  // set once a newer epoch exists
  std::unordered_map<KeyId, internal::ReceiveKey> receive;
  std::vector<std::pair<std::uint64_t, SendContext>> send;  // by context id
};

}  // namespace

struct MlsContext::Impl {
  SuiteInfo info;
  MlsOptions options;
  std::uint64_t epoch_mask = 0;
  // Live epochs, oldest first; back() is the sending epoch. There are few (a new
  // epoch per commit, kept for seconds), so a linear search beats any map.
  std::vector<std::unique_ptr<Epoch>> epochs;
  // sending is the epoch protect uses (nullptr before the first switch, or after
  // prepare_epoch erased it for sharing its low E bits with a newer epoch).
  Epoch* sending = nullptr;

  Epoch* find_epoch(std::uint64_t epoch) {
    for (auto& e : epochs) {
      if (e->epoch == epoch) return e.get();
    }
    return nullptr;
  }

  Epoch* find_by_low_bits(std::uint64_t low) {
    for (auto& e : epochs) {
      if ((e->epoch & epoch_mask) == low) return e.get();
    }
    return nullptr;
  }
};

unsigned mls_sender_bits(std::uint32_t leaf_count) {
  unsigned s = 0;
  while (s < 32 && (std::uint64_t{1} << s) < leaf_count) ++s;
  return s;
}

Result<KeyId> mls_kid(unsigned epoch_bits, unsigned sender_bits, std::uint64_t epoch,
                      std::uint32_t sender_index, std::uint64_t context_id) {
  if (epoch_bits == 0 || epoch_bits > kMaxEpochBits || sender_bits > 32 ||
      epoch_bits + sender_bits > 64) {
    return fail(Errc::invalid_argument, "sframe.mls: E = " + std::to_string(epoch_bits) +
                                            ", S = " + std::to_string(sender_bits) +
                                            " do not fit a 64-bit KID");
  }
  if (sender_bits < 32 && (std::uint64_t{sender_index} >> sender_bits) != 0) {
    return fail(Errc::invalid_argument, "sframe.mls: sender index " + std::to_string(sender_index) +
                                            " needs more than " + std::to_string(sender_bits) +
                                            " bits");
  }
  const unsigned shift = epoch_bits + sender_bits;
  if (context_id != 0 && (shift == 64 || (context_id >> (64 - shift)) != 0)) {
    return fail(Errc::invalid_argument, "sframe.mls: context id " + std::to_string(context_id) +
                                            " needs more than " + std::to_string(64 - shift) +
                                            " bits");
  }
  const std::uint64_t epoch_part = epoch & ((std::uint64_t{1} << epoch_bits) - 1);
  const std::uint64_t sender_part = std::uint64_t{sender_index} << epoch_bits;
  const std::uint64_t context_part = shift == 64 ? 0 : context_id << shift;
  return context_part | sender_part | epoch_part;
}

MlsContext::MlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MlsContext::~MlsContext() = default;
MlsContext::MlsContext(MlsContext&&) noexcept = default;
MlsContext& MlsContext::operator=(MlsContext&&) noexcept = default;

Result<MlsContext> MlsContext::create(CipherSuite suite, MlsOptions options) {
  ZTM_TRY_ASSIGN(const SuiteInfo info, suite_info(suite));
  if (options.epoch_bits == 0 || options.epoch_bits > kMaxEpochBits) {
    return fail(Errc::invalid_argument, "sframe.mls: epoch_bits must be 1 to 32");
  }
  if (options.replay_window_frames == 0 ||
      options.replay_window_frames > max_replay_window_frames) {
    return fail(Errc::invalid_argument, "sframe.mls: replay_window_frames must be 1 to " +
                                            std::to_string(max_replay_window_frames));
  }
  if (options.max_receive_keys_per_epoch == 0) {
    return fail(Errc::invalid_argument, "sframe.mls: max_receive_keys_per_epoch must be > 0");
  }
  if (options.grace_period < std::chrono::steady_clock::duration::zero()) {
    return fail(Errc::invalid_argument, "sframe.mls: negative grace_period");
  }
  auto impl = std::make_unique<Impl>();
  impl->info = info;
  impl->options = options;
  impl->epoch_mask = (std::uint64_t{1} << options.epoch_bits) - 1;
  return MlsContext(std::move(impl));
}

CipherSuite MlsContext::suite() const {
  return impl_->info.suite;
}

const MlsOptions& MlsContext::options() const {
  return impl_->options;
}

Result<void> MlsContext::add_epoch(std::uint64_t epoch, const SecretBytes& sframe_epoch_secret,
                                   std::uint32_t leaf_count, std::uint32_t own_leaf_index,
                                   TimePoint now) {
  ZTM_TRY(prepare_epoch(epoch, sframe_epoch_secret, leaf_count, own_leaf_index, now));
  return switch_epoch(epoch, now);
}

Result<void> MlsContext::prepare_epoch(std::uint64_t epoch, const SecretBytes& sframe_epoch_secret,
                                       std::uint32_t leaf_count, std::uint32_t own_leaf_index,
                                       TimePoint now) {
  Impl& s = *impl_;
  if (!s.epochs.empty() && epoch <= s.epochs.back()->epoch) {
    return fail(Errc::invalid_argument, "sframe.mls: epoch " + std::to_string(epoch) +
                                            " is not after epoch " +
                                            std::to_string(s.epochs.back()->epoch));
  }
  if (sframe_epoch_secret.size() != s.info.nk) {
    return fail(Errc::invalid_key, "sframe.mls: sframe_epoch_secret is " +
                                       std::to_string(sframe_epoch_secret.size()) +
                                       " bytes, AEAD.Nk is " + std::to_string(s.info.nk));
  }
  if (leaf_count == 0 || own_leaf_index >= leaf_count) {
    return fail(Errc::invalid_argument, "sframe.mls: own leaf index " +
                                            std::to_string(own_leaf_index) + " outside a tree of " +
                                            std::to_string(leaf_count) + " leaves");
  }
  const unsigned sender_bits = mls_sender_bits(leaf_count);
  if (sender_bits + s.options.epoch_bits > 64) {
    return fail(Errc::invalid_argument, "sframe.mls: S + E exceeds 64 bits");
  }

  auto next = std::make_unique<Epoch>();
  next->epoch = epoch;
  next->base_key = sframe_epoch_secret;
  next->leaf_count = leaf_count;
  next->own_leaf_index = own_leaf_index;
  next->sender_bits = sender_bits;

  // §5.2: an old epoch with the same low E bits goes now, grace period or not.
  std::erase_if(s.epochs, [&](const std::unique_ptr<Epoch>& e) {
    const bool same_bits = (e->epoch & s.epoch_mask) == (epoch & s.epoch_mask);
    if (same_bits && e.get() == s.sending) s.sending = nullptr;
    return same_bits;
  });
  s.epochs.push_back(std::move(next));
  expire(now);
  return ok();
}

Result<void> MlsContext::switch_epoch(std::uint64_t epoch, TimePoint now) {
  Impl& s = *impl_;
  Epoch* target = s.find_epoch(epoch);
  if (target == nullptr) {
    return fail(Errc::unknown_key, "sframe.mls: epoch " + std::to_string(epoch) +
                                       " is not live (never prepared, or erased)");
  }
  if (s.sending != nullptr && epoch < s.sending->epoch) {
    return fail(Errc::invalid_argument, "sframe.mls: epoch " + std::to_string(epoch) +
                                            " is older than the sending epoch " +
                                            std::to_string(s.sending->epoch));
  }
  target->expires_at.reset();
  for (auto& e : s.epochs) {
    if (e->epoch >= epoch) continue;
    // Sending moves to the new epoch at once; only decryption needs a grace period.
    e->send.clear();
    if (!e->expires_at) e->expires_at = now + s.options.grace_period;
  }
  s.sending = target;
  expire(now);
  return ok();
}

std::optional<std::uint64_t> MlsContext::sending_epoch() const {
  if (!impl_ || impl_->sending == nullptr) return std::nullopt;
  return impl_->sending->epoch;
}

bool MlsContext::has_epoch(std::uint64_t epoch) const {
  return impl_ && impl_->find_epoch(epoch) != nullptr;
}

void MlsContext::expire(TimePoint now) {
  Impl& s = *impl_;
  std::erase_if(s.epochs, [&](const std::unique_ptr<Epoch>& e) {
    const bool expired = e->expires_at && *e->expires_at <= now;
    if (expired && e.get() == s.sending) s.sending = nullptr;
    return expired;
  });
}

void MlsContext::clear() {
  impl_->sending = nullptr;
  impl_->epochs.clear();
}

Result<MutableByteView> MlsContext::protect(std::uint64_t context_id, ByteView plaintext,
                                            ByteView metadata, MutableByteView out) {
  if (!impl_ || impl_->sending == nullptr) {
    return fail(Errc::invalid_state, "sframe.mls: no epoch to send in");
  }
  Epoch& e = *impl_->sending;
  auto it = std::find_if(e.send.begin(), e.send.end(),
                         [&](const auto& entry) { return entry.first == context_id; });
  if (it == e.send.end()) {
    ZTM_TRY_ASSIGN(const KeyId kid, mls_kid(impl_->options.epoch_bits, e.sender_bits, e.epoch,
                                            e.own_leaf_index, context_id));
    ZTM_TRY_ASSIGN(auto send, SendContext::create(impl_->info.suite, kid, e.base_key));
    e.send.emplace_back(context_id, std::move(send));
    it = std::prev(e.send.end());
  }
  return it->second.protect(plaintext, metadata, out);
}

Result<Bytes> MlsContext::protect(std::uint64_t context_id, ByteView plaintext, ByteView metadata) {
  Bytes out(plaintext.size() + max_overhead);
  ZTM_TRY_ASSIGN(const auto written,
                 protect(context_id, plaintext, metadata, MutableByteView(out)));
  out.resize(written.size());
  return out;
}

Result<MlsUnprotected> MlsContext::unprotect(ByteView sframe_ciphertext, ByteView metadata,
                                             MutableByteView out, TimePoint now) {
  if (!impl_) return fail(Errc::invalid_state, "sframe.mls: moved-from context");
  Impl& s = *impl_;
  expire(now);
  internal::FrameView frame;
  if (!internal::split_frame(sframe_ciphertext, s.info.nt, frame)) {
    return internal::split_error(sframe_ciphertext, s.info.nt);
  }
  const KeyId kid = frame.header.kid;
  Epoch* e = s.find_by_low_bits(kid & s.epoch_mask);
  if (e == nullptr) {
    return fail(Errc::unknown_key, "sframe.mls: KID " + std::to_string(kid) +
                                       " names an epoch that is unknown or erased");
  }
  const unsigned shift = s.options.epoch_bits + e->sender_bits;
  // S <= 32, so the mask fits; a KID with S + E = 64 has no context bits.
  const std::uint64_t sender_mask = (std::uint64_t{1} << e->sender_bits) - 1;
  MlsFrameInfo info;
  info.epoch = e->epoch;
  info.sender_index = static_cast<std::uint32_t>((kid >> s.options.epoch_bits) & sender_mask);
  info.context_id = shift >= 64 ? 0 : kid >> shift;
  info.ctr = frame.header.ctr;
  if (info.sender_index >= e->leaf_count) {
    return fail(Errc::unknown_key, "sframe.mls: sender index " + std::to_string(info.sender_index) +
                                       " outside epoch " + std::to_string(e->epoch) + "'s tree");
  }
  if (info.sender_index == e->own_leaf_index) {
    // Our own KIDs are for encryption only (§4.4.1); a frame carrying one was
    // reflected back to us.
    return fail(Errc::protocol_violation,
                "sframe.mls: frame carries this member's own sender index");
  }

  auto it = e->receive.find(kid);
  if (it != e->receive.end()) {
    ZTM_TRY_ASSIGN(const auto plaintext, it->second.unprotect(frame, metadata, out));
    return MlsUnprotected{plaintext, info};
  }
  // First frame under this KID: derive its key, but keep it only if the frame
  // authenticates, so forged KIDs leave nothing behind.
  if (e->receive.size() >= s.options.max_receive_keys_per_epoch) {
    return fail(Errc::limit_exceeded, "sframe.mls: epoch " + std::to_string(e->epoch) +
                                          " already holds " + std::to_string(e->receive.size()) +
                                          " receive keys");
  }
  ZTM_TRY_ASSIGN(auto key, internal::FrameKey::derive(s.info.suite, kid, e->base_key));
  internal::ReceiveKey fresh{std::move(key),
                             internal::ReplayWindow(s.options.replay_window_frames)};
  ZTM_TRY_ASSIGN(const auto plaintext, fresh.unprotect(frame, metadata, out));
  e->receive.emplace(kid, std::move(fresh));
  return MlsUnprotected{plaintext, info};
}

Result<Bytes> MlsContext::unprotect(ByteView sframe_ciphertext, ByteView metadata, TimePoint now) {
  Bytes out(sframe_ciphertext.size());
  ZTM_TRY_ASSIGN(const auto result,
                 unprotect(sframe_ciphertext, metadata, MutableByteView(out), now));
  out.resize(result.plaintext.size());
  return out;
}

std::optional<std::uint64_t> MlsContext::newest_epoch() const {
  if (impl_->epochs.empty()) return std::nullopt;
  return impl_->epochs.back()->epoch;
}

std::size_t MlsContext::epoch_count() const {
  return impl_->epochs.size();
}

std::size_t MlsContext::key_count() const {
  std::size_t n = 0;
  for (const auto& e : impl_->epochs) n += e->receive.size() + e->send.size();
  return n;
}

}  // namespace ztm::sframe
