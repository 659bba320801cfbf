// Encoded media frames and where they come from (docs/media.md).
//
// A frame is what one SFrame protects: one Opus packet (20 ms of audio) or one VP8
// frame. Sources yield frames with their RTP timestamp and keyframe flag; the
// MediaSender turns each into RTP packets, the MediaReceiver turns packets back into
// frames.
#pragma once

#include <cstdint>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::media {

// MediaKind says which codec a stream carries. ztmeet sends Opus audio and VP8 video.
enum class MediaKind : std::uint8_t { audio = 0, video = 1 };

std::string_view media_kind_name(MediaKind kind);  // "audio" / "video"

// RTP clock rates: Opus always uses 48 kHz (RFC 7587 §4.1), video 90 kHz (RFC 7741 §4.1).
inline constexpr std::uint32_t kOpusClockRate = 48000;
inline constexpr std::uint32_t kVideoClockRate = 90000;

// kMaxFrameSize bounds one encoded frame everywhere in this layer (sources, readers,
// the receiver): 1 MiB is far above a 1080p VP8 keyframe at meeting bitrates.
inline constexpr std::size_t kMaxFrameSize = std::size_t{1} << 20;

// EncodedFrame is one encoded frame. Sources reuse `data` from call to call, so a
// caller that keeps one EncodedFrame allocates nothing in the steady state.
struct EncodedFrame {
  MediaKind kind = MediaKind::audio;
  Bytes data;
  // rtp_timestamp: the frame's capture time in the RTP clock of its kind.
  std::uint32_t rtp_timestamp = 0;
  // keyframe: for video, the frame decodes without earlier frames; audio frames are
  // always independent as far as a receiver joining mid-stream is concerned.
  bool keyframe = false;
};

// FrameSource yields encoded frames one at a time: a live encoder of a generated
// signal, or frames read from a file. Not thread-safe.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual MediaKind kind() const = 0;
  // next fills `frame` with the next encoded frame and returns true, or returns false
  // when a file source has no more frames. Generated sources never end.
  virtual Result<bool> next(EncodedFrame& frame) = 0;
  // request_keyframe asks that the next video frame be a keyframe (a receiver sent a
  // PLI/FIR). File sources and audio ignore it.
  virtual void request_keyframe() {}
  // frame_duration_ticks is the RTP timestamp step between frames.
  virtual std::uint32_t frame_duration_ticks() const = 0;
};

// read_file / write_file move whole files; the media layer is otherwise free of I/O
// (no sockets, no threads). write_file creates or truncates.
Result<Bytes> read_file(const std::string& path);
Result<void> write_file(const std::string& path, ByteView data);

}  // namespace ztm::media
