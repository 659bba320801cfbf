#include <limits>

#include "internal/frame.h"
#include "internal/frame_key.h"
#include "ztm/sframe/context.h"

namespace ztm::sframe {

namespace {

[[gnu::cold, gnu::noinline]] tl::unexpected<Error> not_sendable(bool has_key) {
  if (!has_key) return fail(Errc::invalid_state, "sframe.send: moved-from context");
  return fail(Errc::counter_exhausted, "sframe.send: every CTR of this KID has been used");
}

}  // namespace

Result<SendContext> SendContext::create(CipherSuite suite, KeyId kid, const SecretBytes& base_key) {
  ZTM_TRY_ASSIGN(auto key, internal::FrameKey::derive(suite, kid, base_key));
  SendContext ctx;
  ctx.key_ = std::make_unique<internal::FrameKey>(std::move(key));
  ctx.kid_ = kid;
  return ctx;
}

SendContext::~SendContext() = default;
SendContext::SendContext(SendContext&&) noexcept = default;
SendContext& SendContext::operator=(SendContext&&) noexcept = default;

CipherSuite SendContext::suite() const {
  return key_->info().suite;
}

KeyId SendContext::kid() const {
  return kid_;
}

std::size_t SendContext::next_header_size() const {
  return Header{kid_, next_ctr_}.encoded_size();
}

std::size_t SendContext::protected_size(std::size_t plaintext_size) const {
  return next_header_size() + plaintext_size + key_->tag_size();
}

Result<MutableByteView> SendContext::protect(ByteView plaintext, ByteView metadata,
                                             MutableByteView out) {
  if (!key_ || exhausted_) [[unlikely]]
    return not_sendable(key_ != nullptr);
  const Header header{kid_, next_ctr_};
  const std::size_t needed = header.encoded_size() + plaintext.size() + key_->tag_size();
  if (!internal::protect_fits(needed, metadata, out)) [[unlikely]] {
    return internal::protect_error(needed, metadata, out);
  }
  // Spend the counter before encrypting: whatever happens next, this CTR is gone.
  if (next_ctr_ == std::numeric_limits<Counter>::max()) [[unlikely]] {
    exhausted_ = true;
  } else {
    ++next_ctr_;
  }
  return internal::protect_frame(*key_, header, plaintext, metadata, out);
}

Result<Bytes> SendContext::protect(ByteView plaintext, ByteView metadata) {
  if (!key_) return fail(Errc::invalid_state, "sframe.send: moved-from context");
  Bytes out(protected_size(plaintext.size()));
  ZTM_TRY_ASSIGN(const auto written, protect(plaintext, metadata, MutableByteView(out)));
  out.resize(written.size());
  return out;
}

}  // namespace ztm::sframe
