// The RTP payload format for SFrame in per-frame mode
// (draft-ietf-avtcore-rtp-sframe, "RTP Packetization of SFrame"): one SFrame
// ciphertext is split into RTP payloads, each starting with a one-byte descriptor:
//
//    0 1 2 3 4 5 6 7
//   +-+-+-+-+-+-+-+-+
//   |S|E| reserved  |   S: first fragment of the frame, E: last fragment
//   +-+-+-+-+-+-+-+-+
//
// Per-packet mode is the special case of a frame that fits one packet (S = E = 1).
// The receiver groups fragments in sequence-number order from an S to an E with no
// gap and with one RTP timestamp; a frame missing any fragment is dropped whole.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/rtp.h"

namespace ztm::net::sframe_rtp {

inline constexpr std::uint8_t kStartOfFrame = 0x80;
inline constexpr std::uint8_t kEndOfFrame = 0x40;
inline constexpr std::size_t kDescriptorSize = 1;

// Packetizer splits one frame into payloads of at most max_payload_size bytes
// (descriptor included). Fragments are balanced: their sizes differ by at most one
// byte, so no frame ends with a tiny packet. It borrows the frame, which must
// outlive it, and allocates nothing.
class Packetizer {
 public:
  // create fails with invalid_argument for an empty frame or max_payload_size < 2.
  static Result<Packetizer> create(ByteView frame, std::size_t max_payload_size);

  std::size_t packet_count() const { return count_; }
  bool done() const { return index_ == count_; }
  // next writes the next payload into out and returns it; invalid_state once done.
  Result<MutableByteView> next(MutableByteView out);

 private:
  Packetizer() = default;
  ByteView frame_;
  std::size_t count_ = 0;
  std::size_t base_size_ = 0;  // fragment size; the first `larger_` are one byte more
  std::size_t larger_ = 0;
  std::size_t index_ = 0;
  std::size_t offset_ = 0;
};

// FrameAssemblerConfig bounds the assembler's memory: window_packets slots of
// max_payload_size bytes are allocated once, at creation.
struct FrameAssemblerConfig {
  // window_packets: packets held at once, and so the largest frame in packets.
  std::size_t window_packets = 128;
  // max_payload_size: the largest RTP payload accepted (descriptor included).
  std::size_t max_payload_size = 1200;
  // reorder_window_packets: a missing packet is declared lost once a packet this
  // many sequence numbers after it has arrived.
  std::size_t reorder_window_packets = 32;
};

// AssembledFrame is one complete SFrame ciphertext, written into the caller's buffer.
struct AssembledFrame {
  MutableByteView data;
  std::uint32_t rtp_timestamp = 0;
  std::uint16_t first_sequence_number = 0;
  std::size_t packet_count = 0;
};

// FrameAssemblerStats counts what did not become a frame.
struct FrameAssemblerStats {
  std::uint64_t frames_delivered = 0;
  // frames_dropped: frames of which at least one packet arrived but that could not
  // be completed (a fragment lost, its start lost, timestamps inconsistent, too big).
  std::uint64_t frames_dropped = 0;
  std::uint64_t packets_late = 0;       // behind frames already delivered or dropped
  std::uint64_t packets_duplicate = 0;  // a sequence number already held
  std::uint64_t packets_invalid = 0;    // empty fragment or over max_payload_size
};

// FrameAssembler rebuilds frames of one SSRC from their RTP packets, tolerating
// reordering within reorder_window_packets. Frames come out in sequence order; a
// complete frame waits behind an earlier incomplete one until that one completes or
// is declared lost. Neither insert nor pop_frame allocates.
class FrameAssembler {
 public:
  // create fails with invalid_argument when the window is smaller than 2 packets,
  // not larger than the reorder window, or max_payload_size < 2.
  static Result<FrameAssembler> create(const FrameAssemblerConfig& config);

  // insert stores one received packet's payload (descriptor first). Late and
  // duplicate packets are counted and ignored (not errors); an invalid payload is
  // counted and fails with invalid_encoding.
  Result<void> insert(std::uint16_t sequence_number, std::uint32_t rtp_timestamp, ByteView payload);
  Result<void> insert(const rtp::PacketView& packet) {
    return insert(packet.sequence_number(), packet.timestamp(), packet.payload());
  }

  // pop_frame writes the next complete frame into out; nullopt when none is ready.
  // buffer_too_small leaves the frame in place for a retry with a larger buffer;
  // max_frame_size() bytes always suffice.
  Result<std::optional<AssembledFrame>> pop_frame(MutableByteView out);

  std::size_t max_frame_size() const { return config_.window_packets * config_.max_payload_size; }
  const FrameAssemblerStats& stats() const { return stats_; }

 private:
  struct Slot {
    std::int64_t sequence = -1;  // unwrapped; -1 when empty
    std::uint32_t rtp_timestamp = 0;
    std::uint8_t descriptor = 0;
    std::uint16_t size = 0;  // fragment bytes, descriptor excluded
  };
  FrameAssembler() = default;
  Slot* held(std::int64_t sequence);
  MutableByteView storage(std::int64_t sequence);
  void discard(std::int64_t sequence);
  void drop_until(std::int64_t target);

  FrameAssemblerConfig config_;
  std::vector<Slot> slots_;
  Bytes storage_;
  rtp::SequenceUnwrapper unwrapper_;
  bool started_ = false;
  bool released_ = false;     // a frame was delivered or dropped: next_ only moves on
  std::int64_t next_ = 0;     // first sequence not yet delivered or dropped
  std::int64_t highest_ = 0;  // highest sequence received
  std::optional<std::uint32_t> last_dropped_timestamp_;
  FrameAssemblerStats stats_;
};

}  // namespace ztm::net::sframe_rtp
