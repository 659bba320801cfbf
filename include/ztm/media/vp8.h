// VP8 video through libvpx (RFC 6386): an encoder of a generated moving pattern with
// periodic and on-demand keyframes, and a decoder that proves received frames decode.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"

namespace ztm::media {

// Vp8Config describes the generated video and the encoder settings.
struct Vp8Config {
  unsigned width = 640;   // even, 16..4096
  unsigned height = 360;  // even, 16..4096
  unsigned fps = 30;      // 1..120
  unsigned bitrate_kbps = 500;
  // keyframe_interval_frames: a keyframe at least this often (besides requests).
  unsigned keyframe_interval_frames = 90;
  // pattern_seed changes the pattern's colours and motion, to tell senders apart.
  std::uint32_t pattern_seed = 0;
  // cpu_used: libvpx speed (VP8E_SET_CPUUSED), -16..16; higher is faster.
  int cpu_used = 8;
  std::uint32_t first_rtp_timestamp = 0;
};

// Vp8PatternSource renders a deterministic moving pattern (a gradient background and
// a square crossing it) and encodes it with libvpx in real-time mode with no lag, so
// each next() yields exactly one frame. Owns its libvpx encoder.
class Vp8PatternSource final : public FrameSource {
 public:
  // create fails with invalid_argument for a bad config, invalid_state when libvpx
  // refuses it.
  static Result<std::unique_ptr<Vp8PatternSource>> create(const Vp8Config& config);
  ~Vp8PatternSource() override;

  MediaKind kind() const override { return MediaKind::video; }
  Result<bool> next(EncodedFrame& frame) override;
  void request_keyframe() override { keyframe_requested_ = true; }
  std::uint32_t frame_duration_ticks() const override { return kVideoClockRate / config_.fps; }
  const Vp8Config& config() const { return config_; }

 private:
  struct Encoder;
  Vp8PatternSource() = default;
  void render(std::uint64_t index);
  Vp8Config config_;
  std::unique_ptr<Encoder> encoder_;
  std::uint64_t frame_index_ = 0;
  bool keyframe_requested_ = false;
};

// Vp8FrameSize is the picture size a keyframe declares.
struct Vp8FrameSize {
  unsigned width = 0;
  unsigned height = 0;
};

// vp8_is_keyframe reads the frame tag (RFC 6386 §9.1: bit 0 of the first byte is 0
// for a key frame). False for an empty frame.
bool vp8_is_keyframe(ByteView frame);
// vp8_keyframe_size reads a keyframe's start code and 14-bit width and height
// (RFC 6386 §9.1); nullopt for anything else.
std::optional<Vp8FrameSize> vp8_keyframe_size(ByteView frame);

// Vp8Decoder decodes VP8 frames. Owns its libvpx decoder.
class Vp8Decoder {
 public:
  static Result<Vp8Decoder> create();
  ~Vp8Decoder();
  Vp8Decoder(Vp8Decoder&&) noexcept;
  Vp8Decoder& operator=(Vp8Decoder&&) noexcept;

  // decode decodes one frame and returns the picture size; invalid_encoding when
  // libvpx rejects it (corrupt, or a delta frame without its references).
  Result<Vp8FrameSize> decode(ByteView frame);

 private:
  Vp8Decoder() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ztm::media
