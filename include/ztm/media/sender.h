// MediaSender: encoded frame → one SFrame ciphertext (RFC 9605, keys from MLS) → RTP
// packets in the per-frame SFrame payload format (draft-ietf-avtcore-rtp-sframe),
// video packets with the Dependency Descriptor extension. The packets are plain RTP,
// ready for SrtpSession::protect_rtp in place. Sans-I/O: no sockets, no clock.
#pragma once

#include <cstdint>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"
#include "ztm/sframe/mls_context.h"

namespace ztm::media {

// kDefaultMtu: the largest SRTP packet (header + payload + tag) the sender produces,
// leaving room for IPv6 + UDP + TURN framing under a 1280-byte path MTU.
inline constexpr std::size_t kDefaultMtu = 1200;

// SFrame context ids (the KID's context field, RFC 9605 §5.2) ztmeet gives its two
// streams, so a frame of one kind never decrypts as the other (decision 0040).
inline constexpr std::uint64_t kAudioContextId = 0;
inline constexpr std::uint64_t kVideoContextId = 1;

// StreamConfig describes one outgoing RTP stream.
struct StreamConfig {
  MediaKind kind = MediaKind::audio;
  std::uint32_t ssrc = 0;
  std::uint8_t payload_type = 111;  // 0..127, as negotiated
  std::uint64_t sframe_context_id = kAudioContextId;
  std::uint16_t first_sequence_number = 0;  // RFC 3550 §5.1: should be random
  // dd_extension_id: the RFC 8285 id of the Dependency Descriptor (1..14), 0 for none.
  // Video streams need it (the SFU finds keyframes with it); audio leaves it 0.
  std::uint8_t dd_extension_id = 0;
  // mtu: the largest packet after SRTP protection (its tag included).
  std::size_t mtu = kDefaultMtu;
  // width, height: announced in the Dependency Descriptor of keyframes (0: omitted).
  std::uint16_t width = 0;
  std::uint16_t height = 0;
};

// RtpPacketBatch holds the packets of one frame in one reusable buffer. Each packet
// sits in a slot of `mtu` bytes, so SrtpSession::protect_rtp(slot(i), packet(i).size())
// can add its tag in place. Reused across frames, it stops allocating once it has
// held the largest frame.
class RtpPacketBatch {
 public:
  std::size_t size() const { return sizes_.size(); }
  bool empty() const { return sizes_.empty(); }
  // packet is the i-th RTP packet (header and payload, no SRTP tag yet).
  MutableByteView packet(std::size_t i) { return slot(i).first(sizes_[i]); }
  ByteView packet(std::size_t i) const {
    return ByteView(storage_).subspan(i * slot_size_, sizes_[i]);
  }
  // slot is the i-th packet's whole slot (mtu bytes), for in-place SRTP protection.
  MutableByteView slot(std::size_t i) {
    return MutableByteView(storage_).subspan(i * slot_size_, slot_size_);
  }
  void clear() { sizes_.clear(); }

 private:
  friend class MediaSender;
  MutableByteView add(std::size_t slot_size);
  Bytes storage_;
  std::vector<std::size_t> sizes_;
  std::size_t slot_size_ = 0;
};

// SentFrame describes what send_frame produced for one frame.
struct SentFrame {
  std::size_t packet_count = 0;
  std::size_t frame_size = 0;       // the encoded frame (SFrame plaintext)
  std::size_t sframe_overhead = 0;  // SFrame header + tag: ciphertext minus plaintext
  std::size_t rtp_overhead = 0;     // RTP headers, extensions and descriptors, summed
  std::uint16_t first_sequence_number = 0;
};

// SenderStats accumulates over the stream's life.
struct SenderStats {
  std::uint64_t frames = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t packets = 0;
  std::uint64_t media_bytes = 0;            // encoded frames
  std::uint64_t sframe_overhead_bytes = 0;  // headers + tags
  std::uint64_t rtp_overhead_bytes = 0;     // RTP headers, extensions, descriptors
};

// MediaSender sends one stream. Not thread-safe; one per stream.
class MediaSender {
 public:
  // create fails with invalid_argument for a payload type over 127, a DD id outside
  // 1..14 (or a video stream without one), or an MTU too small for a packet with a
  // payload (at least 128 bytes).
  static Result<MediaSender> create(const StreamConfig& config);

  // send_frame protects frame.data with keys (the newest epoch, this member's leaf
  // index, config.sframe_context_id), splits the ciphertext into as many RTP packets as
  // the MTU needs and writes them into out (cleared first). The RTP timestamp is
  // frame.rtp_timestamp; video sets the marker on the last packet, audio on the first
  // packet of the stream (start of talkspurt, RFC 3551 §4.1). Errors from SFrame
  // (invalid_state before the first epoch, counter_exhausted) pass through and consume
  // no sequence numbers. Frames over kMaxFrameSize are invalid_argument.
  Result<SentFrame> send_frame(const EncodedFrame& frame, sframe::MlsContext& keys,
                               RtpPacketBatch& out);

  const StreamConfig& config() const { return config_; }
  const SenderStats& stats() const { return stats_; }

 private:
  MediaSender() = default;
  StreamConfig config_;
  SenderStats stats_;
  Bytes ciphertext_;
  std::uint16_t next_sequence_ = 0;
  std::uint16_t frame_number_ = 0;  // Dependency Descriptor frame_number
  bool first_packet_sent_ = false;
};

}  // namespace ztm::media
