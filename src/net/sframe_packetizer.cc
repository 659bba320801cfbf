#include <algorithm>

#include "ztm/net/sframe_rtp.h"

namespace ztm::net::sframe_rtp {

Result<Packetizer> Packetizer::create(ByteView frame, std::size_t max_payload_size) {
  if (frame.empty()) return fail(Errc::invalid_argument, "sframe_rtp: empty frame");
  if (max_payload_size < kDescriptorSize + 1) {
    return fail(Errc::invalid_argument, "sframe_rtp: payload size leaves no room for data");
  }
  Packetizer p;
  p.frame_ = frame;
  const std::size_t room = max_payload_size - kDescriptorSize;
  p.count_ = (frame.size() + room - 1) / room;
  p.base_size_ = frame.size() / p.count_;
  p.larger_ = frame.size() % p.count_;
  return p;
}

Result<MutableByteView> Packetizer::next(MutableByteView out) {
  if (done()) return fail(Errc::invalid_state, "sframe_rtp: every fragment was written");
  const std::size_t size = base_size_ + (index_ < larger_ ? 1 : 0);
  if (out.size() < kDescriptorSize + size) {
    return fail(Errc::buffer_too_small, "sframe_rtp: payload does not fit");
  }
  std::uint8_t descriptor = 0;
  if (index_ == 0) descriptor |= kStartOfFrame;
  if (index_ + 1 == count_) descriptor |= kEndOfFrame;
  out[0] = descriptor;
  std::copy_n(frame_.begin() + static_cast<std::ptrdiff_t>(offset_), size, out.begin() + 1);
  offset_ += size;
  ++index_;
  return out.first(kDescriptorSize + size);
}

}  // namespace ztm::net::sframe_rtp
