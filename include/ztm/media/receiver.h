// MediaReceiver: RTP packets (in any order within the reorder window, duplicates
// allowed) → whole SFrame ciphertexts per SSRC (net::sframe_rtp::FrameAssembler) →
// SFrame decryption with the MLS-derived keys → decrypted frames attributed to their
// sender, the MLS leaf index named by the KID. Sans-I/O: time is passed in.
//
// Attribution: SSRCs are chosen by senders and rewritable by the SFU, so they prove
// nothing; a frame's sender is the leaf index in its KID, which only holders of the
// epoch's key can produce (RFC 9605 §7.2: any member could still claim any index).
// A frame that fails to decrypt is attributed to the sender last decrypted on its
// SSRC, if any, else counted against the SSRC alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"
#include "ztm/media/sender.h"
#include "ztm/net/sframe_rtp.h"
#include "ztm/sframe/mls_context.h"

namespace ztm::media {

// ReceiverConfig: payload types and context ids must match the senders'.
struct ReceiverConfig {
  std::uint8_t audio_payload_type = 111;
  std::uint8_t video_payload_type = 96;
  std::uint64_t audio_context_id = kAudioContextId;
  std::uint64_t video_context_id = kVideoContextId;
  // max_streams bounds the SSRCs tracked; packets of further SSRCs are refused
  // (limit_exceeded) so a flood of SSRCs cannot grow memory.
  std::size_t max_streams = 64;
  // Assembler memory per stream is window_packets × max_payload_size, allocated when
  // the stream's first packet arrives: 16 × 1200 B for audio (a frame is one packet)
  // and 256 × 1200 B (≈ 300 KiB; keyframes up to ≈ 300 KB) for video.
  net::sframe_rtp::FrameAssemblerConfig audio_assembler{16, kDefaultMtu, 8};
  net::sframe_rtp::FrameAssemblerConfig video_assembler{256, kDefaultMtu, 64};
  // keyframe_request_interval: how often keyframe_requests() repeats a request for a
  // stream still waiting for its keyframe.
  std::chrono::steady_clock::duration keyframe_request_interval = std::chrono::milliseconds(500);
};

// ReceivedFrame is one decrypted frame. `data` borrows the receiver's buffer and is
// valid until the next call on the receiver.
struct ReceivedFrame {
  MediaKind kind = MediaKind::audio;
  std::uint32_t ssrc = 0;
  std::uint32_t sender = 0;  // MLS leaf index from the KID
  std::uint64_t epoch = 0;
  std::uint32_t rtp_timestamp = 0;
  bool keyframe = false;  // video: the VP8 frame tag says key frame
  // decodable: false for video frames before the first keyframe and after a loss,
  // until the next keyframe.
  bool decodable = true;
  std::size_t sframe_overhead = 0;  // ciphertext size minus plaintext size
  ByteView data;
};

// ErrorCounts counts failures by kind (authentication_failed, unknown_key, replay, …).
using ErrorCounts = std::map<Errc, std::uint64_t>;

// ParticipantMediaStats: per remote sender (leaf index) and kind.
struct ParticipantMediaStats {
  std::uint64_t frames_received = 0;  // complete frames attributed to this sender
  std::uint64_t frames_decrypted = 0;
  std::uint64_t bytes_decrypted = 0;  // plaintext bytes
  std::uint64_t keyframes = 0;
  ErrorCounts decryption_failures;
};

// StreamStats: per SSRC, what the transport saw.
struct StreamStats {
  MediaKind kind = MediaKind::audio;
  std::uint64_t packets = 0;
  std::optional<std::uint32_t> last_sender;  // leaf index of the last decrypted frame
  ErrorCounts unattributed_failures;         // failures before any frame decrypted
  net::sframe_rtp::FrameAssemblerStats assembler;
  bool keyframe_needed = false;
};

// ReceiverStats: packets the receiver could not place in any stream.
struct ReceiverStats {
  std::uint64_t packets = 0;
  std::uint64_t packets_invalid = 0;       // not RTP, or a bad SFrame RTP payload
  std::uint64_t packets_unknown_type = 0;  // payload type neither audio nor video
  std::uint64_t packets_over_stream_limit = 0;
};

// MediaReceiver receives every remote stream of one meeting member. Not thread-safe.
class MediaReceiver {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  static Result<MediaReceiver> create(const ReceiverConfig& config = {});
  ~MediaReceiver();
  MediaReceiver(MediaReceiver&&) noexcept;
  MediaReceiver& operator=(MediaReceiver&&) noexcept;

  // receive_rtp takes one RTP packet (after SRTP unprotection). Errors, each also
  // counted: invalid_encoding (not RTP, bad payload), not_found (unknown payload type),
  // limit_exceeded (too many SSRCs). Late and duplicate packets are not errors.
  Result<void> receive_rtp(ByteView packet);

  // pop_frame decrypts the next complete frame of any stream with keys and returns
  // it; nullopt when no frame is ready. Frames that fail to decrypt (or decrypt under
  // the wrong context id: protocol_violation) are counted and skipped, never returned.
  Result<std::optional<ReceivedFrame>> pop_frame(sframe::MlsContext& keys, TimePoint now);

  // keyframe_requests lists the video SSRCs that need a keyframe now (send a PLI for
  // each): streams that lost a frame, failed to decrypt one, or began with delta
  // frames (joined mid-stream), until a keyframe decrypts; each repeated at most every
  // keyframe_request_interval. A stream that starts with a keyframe asks for nothing.
  std::vector<std::uint32_t> keyframe_requests(TimePoint now);

  // participant_stats: per (sender leaf index, kind).
  const std::map<std::pair<std::uint32_t, MediaKind>, ParticipantMediaStats>& participant_stats()
      const;
  std::map<std::uint32_t, StreamStats> stream_stats() const;
  const ReceiverStats& stats() const;

 private:
  struct Impl;
  explicit MediaReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::media
