#include <unordered_map>

#include "internal/frame.h"
#include "ztm/sframe/context.h"

namespace ztm::sframe {

using internal::ReceiveKey;

namespace {

[[gnu::cold, gnu::noinline]] tl::unexpected<Error> no_key(KeyId kid) {
  return fail(Errc::unknown_key, "sframe.receive: no key for KID " + std::to_string(kid));
}

}  // namespace

struct ReceiveContext::Impl {
  SuiteInfo info;
  ReceiveOptions options;
  std::unordered_map<KeyId, ReceiveKey> keys;
  // The key of the last frame: a stream sends many frames under one KID, so this
  // skips the hash lookup on almost every frame. Map nodes never move, so the
  // pointer stays valid until that KID is erased (which resets it).
  KeyId last_kid = 0;
  ReceiveKey* last_key = nullptr;

  ReceiveKey* find(KeyId kid) {
    if (last_key != nullptr && last_kid == kid) return last_key;
    auto it = keys.find(kid);
    if (it == keys.end()) return nullptr;
    last_kid = kid;
    last_key = &it->second;
    return last_key;
  }
  void forget_cache() { last_key = nullptr; }
};

ReceiveContext::ReceiveContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReceiveContext::~ReceiveContext() = default;
ReceiveContext::ReceiveContext(ReceiveContext&&) noexcept = default;
ReceiveContext& ReceiveContext::operator=(ReceiveContext&&) noexcept = default;

Result<ReceiveContext> ReceiveContext::create(CipherSuite suite, ReceiveOptions options) {
  ZTM_TRY_ASSIGN(const SuiteInfo info, suite_info(suite));
  if (options.replay_window_frames == 0 ||
      options.replay_window_frames > max_replay_window_frames) {
    return fail(Errc::invalid_argument, "sframe.receive: replay_window_frames must be 1 to " +
                                            std::to_string(max_replay_window_frames));
  }
  auto impl = std::make_unique<Impl>();
  impl->info = info;
  impl->options = options;
  return ReceiveContext(std::move(impl));
}

CipherSuite ReceiveContext::suite() const {
  return impl_->info.suite;
}

Result<void> ReceiveContext::add_key(KeyId kid, const SecretBytes& base_key) {
  ZTM_TRY_ASSIGN(auto key, internal::FrameKey::derive(impl_->info.suite, kid, base_key));
  auto it = impl_->keys.find(kid);
  if (it != impl_->keys.end()) {
    if (it->second.key.same_key(key)) return ok();
    impl_->forget_cache();
    impl_->keys.erase(it);  // the old key's material is wiped by its destructor
  }
  impl_->keys.emplace(
      kid, ReceiveKey{std::move(key), internal::ReplayWindow(impl_->options.replay_window_frames)});
  return ok();
}

bool ReceiveContext::remove_key(KeyId kid) {
  impl_->forget_cache();
  return impl_->keys.erase(kid) != 0;
}

std::size_t ReceiveContext::key_count() const {
  return impl_->keys.size();
}

Result<MutableByteView> ReceiveContext::unprotect(ByteView sframe_ciphertext, ByteView metadata,
                                                  MutableByteView out) {
  if (!impl_) [[unlikely]]
    return fail(Errc::invalid_state, "sframe.receive: moved-from context");
  internal::FrameView frame;
  if (!internal::split_frame(sframe_ciphertext, impl_->info.nt, frame)) [[unlikely]] {
    return internal::split_error(sframe_ciphertext, impl_->info.nt);
  }
  ReceiveKey* key = impl_->find(frame.header.kid);
  if (key == nullptr) [[unlikely]]
    return no_key(frame.header.kid);
  return key->unprotect(frame, metadata, out);
}

Result<Bytes> ReceiveContext::unprotect(ByteView sframe_ciphertext, ByteView metadata) {
  Bytes out(sframe_ciphertext.size());
  ZTM_TRY_ASSIGN(const auto written, unprotect(sframe_ciphertext, metadata, MutableByteView(out)));
  out.resize(written.size());
  return out;
}

}  // namespace ztm::sframe
