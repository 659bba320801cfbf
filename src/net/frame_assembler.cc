#include <algorithm>

#include "ztm/net/sframe_rtp.h"

namespace ztm::net::sframe_rtp {

Result<FrameAssembler> FrameAssembler::create(const FrameAssemblerConfig& config) {
  if (config.window_packets < 2 || config.reorder_window_packets >= config.window_packets ||
      config.max_payload_size < kDescriptorSize + 1 || config.max_payload_size > 0xFFFF) {
    return fail(Errc::invalid_argument, "sframe_rtp: assembler window or payload size");
  }
  FrameAssembler a;
  a.config_ = config;
  a.slots_.resize(config.window_packets);
  a.storage_.resize(config.window_packets * (config.max_payload_size - kDescriptorSize));
  return a;
}

FrameAssembler::Slot* FrameAssembler::held(std::int64_t sequence) {
  Slot& s = slots_[static_cast<std::size_t>(sequence) % slots_.size()];
  return s.sequence == sequence ? &s : nullptr;
}

MutableByteView FrameAssembler::storage(std::int64_t sequence) {
  const std::size_t room = config_.max_payload_size - kDescriptorSize;
  const std::size_t index = static_cast<std::size_t>(sequence) % slots_.size();
  return MutableByteView(storage_).subspan(index * room, room);
}

// discard forgets one held packet as part of a dropped frame; packets of one frame
// share a timestamp, so a frame is counted once however many of its packets go.
void FrameAssembler::discard(std::int64_t sequence) {
  Slot* s = held(sequence);
  if (s == nullptr) return;
  if (last_dropped_timestamp_ != s->rtp_timestamp) {
    ++stats_.frames_dropped;
    last_dropped_timestamp_ = s->rtp_timestamp;
  }
  s->sequence = -1;
}

// drop_until discards every held packet before target and moves next_ there.
void FrameAssembler::drop_until(std::int64_t target) {
  const std::int64_t stop = std::min(target, next_ + static_cast<std::int64_t>(slots_.size()));
  for (std::int64_t seq = next_; seq < stop; ++seq) discard(seq);
  if (target > next_) released_ = true;
  next_ = std::max(next_, target);
}

Result<void> FrameAssembler::insert(std::uint16_t sequence_number, std::uint32_t rtp_timestamp,
                                    ByteView payload) {
  if (payload.size() < kDescriptorSize + 1 || payload.size() > config_.max_payload_size) {
    ++stats_.packets_invalid;
    return fail(Errc::invalid_encoding, "sframe_rtp: empty or oversized fragment");
  }
  const std::int64_t seq = unwrapper_.unwrap(sequence_number);
  if (!started_) {
    started_ = true;
    next_ = seq;
    highest_ = seq;
  }
  const auto window = static_cast<std::int64_t>(slots_.size());
  if (seq < next_) {
    // Until the first frame is released, a packet that overtook its predecessors
    // set next_; move the start back for them instead of calling them late.
    if (released_ || highest_ - seq >= window) {
      ++stats_.packets_late;
      return ok();
    }
    next_ = seq;
  }
  if (seq >= next_ + window) drop_until(seq - window + 1);
  if (held(seq) != nullptr) {
    ++stats_.packets_duplicate;
    return ok();
  }
  Slot& s = slots_[static_cast<std::size_t>(seq) % slots_.size()];
  s.sequence = seq;
  s.rtp_timestamp = rtp_timestamp;
  s.descriptor = payload[0];
  s.size = static_cast<std::uint16_t>(payload.size() - kDescriptorSize);
  std::copy(payload.begin() + kDescriptorSize, payload.end(), storage(seq).begin());
  highest_ = std::max(highest_, seq);
  return ok();
}

Result<std::optional<AssembledFrame>> FrameAssembler::pop_frame(MutableByteView out) {
  const auto reorder = static_cast<std::int64_t>(config_.reorder_window_packets);
  while (started_ && next_ <= highest_) {
    const Slot* head = held(next_);
    if (head == nullptr) {
      // A gap at the head: wait for it, unless packets far enough ahead say it is lost.
      if (highest_ - next_ < reorder) return std::nullopt;
      std::int64_t resume = next_ + 1;
      while (resume <= highest_ &&
             (held(resume) == nullptr || !(held(resume)->descriptor & kStartOfFrame))) {
        ++resume;
      }
      drop_until(resume);
      continue;
    }
    if (!(head->descriptor & kStartOfFrame)) {
      // Past the first frame, next_ follows a frame's end, so the start was lost. At
      // the stream's start it may still be on its way.
      if (!released_ && highest_ - next_ < reorder) return std::nullopt;
      drop_until(next_ + 1);
      continue;
    }
    // Walk the frame from its start to its end.
    std::size_t total = 0;
    std::int64_t seq = next_;
    bool broken = false;
    for (;; ++seq) {
      if (seq > highest_) return std::nullopt;  // the rest has not arrived yet
      const Slot* s = held(seq);
      if (s == nullptr) {
        if (highest_ - seq < reorder) return std::nullopt;
        broken = true;  // a fragment is lost
        break;
      }
      if (s->rtp_timestamp != head->rtp_timestamp ||
          (seq != next_ && (s->descriptor & kStartOfFrame))) {
        broken = true;  // another frame began before this one ended
        break;
      }
      total += s->size;
      if (s->descriptor & kEndOfFrame) break;
    }
    if (broken) {
      drop_until(seq);
      continue;
    }
    if (out.size() < total) return fail(Errc::buffer_too_small, "sframe_rtp: frame does not fit");
    AssembledFrame frame;
    frame.rtp_timestamp = head->rtp_timestamp;
    frame.first_sequence_number = static_cast<std::uint16_t>(next_);
    frame.packet_count = static_cast<std::size_t>(seq - next_ + 1);
    std::size_t written = 0;
    for (std::int64_t i = next_; i <= seq; ++i) {
      Slot* s = held(i);
      std::copy_n(storage(i).begin(), s->size, out.begin() + static_cast<std::ptrdiff_t>(written));
      written += s->size;
      s->sequence = -1;
    }
    frame.data = out.first(written);
    next_ = seq + 1;
    released_ = true;
    ++stats_.frames_delivered;
    return frame;
  }
  return std::nullopt;
}

}  // namespace ztm::net::sframe_rtp
