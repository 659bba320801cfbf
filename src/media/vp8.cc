// VP8 through libvpx: the generated pattern encoder, the decoder, frame-tag helpers.
#include "ztm/media/vp8.h"

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace ztm::media {

struct Vp8PatternSource::Encoder {
  vpx_codec_ctx_t codec{};
  bool initialized = false;
  vpx_image_t image{};
  bool image_allocated = false;
  ~Encoder() {
    if (initialized) vpx_codec_destroy(&codec);
    if (image_allocated) vpx_img_free(&image);
  }
};

Result<std::unique_ptr<Vp8PatternSource>> Vp8PatternSource::create(const Vp8Config& config) {
  if (config.width < 16 || config.width > 4096 || config.height < 16 || config.height > 4096 ||
      config.width % 2 != 0 || config.height % 2 != 0) {
    return fail(Errc::invalid_argument, "vp8.source: width and height must be even, 16..4096");
  }
  if (config.fps < 1 || config.fps > 120 || config.bitrate_kbps < 10 ||
      config.bitrate_kbps > 100000 || config.keyframe_interval_frames < 1 ||
      config.cpu_used < -16 || config.cpu_used > 16) {
    return fail(Errc::invalid_argument,
                "vp8.source: fps, bitrate, keyframe interval or cpu_used out of range");
  }
  std::unique_ptr<Vp8PatternSource> s(new Vp8PatternSource());
  s->config_ = config;
  s->encoder_ = std::make_unique<Encoder>();
  vpx_codec_enc_cfg_t cfg;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    return fail(Errc::invalid_state, "vp8.source: no default encoder config");
  }
  cfg.g_w = config.width;
  cfg.g_h = config.height;
  cfg.g_timebase.num = 1;
  cfg.g_timebase.den = static_cast<int>(config.fps);
  cfg.rc_target_bitrate = config.bitrate_kbps;
  cfg.rc_end_usage = VPX_CBR;
  // Real-time: one thread (deterministic output), no lookahead (one frame out per
  // frame in) and no dropped frames (every next() yields a frame).
  cfg.g_threads = 1;
  cfg.g_lag_in_frames = 0;
  cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg.rc_dropframe_thresh = 0;
  cfg.kf_mode = VPX_KF_AUTO;
  cfg.kf_min_dist = 0;
  cfg.kf_max_dist = config.keyframe_interval_frames;
  if (vpx_codec_enc_init(&s->encoder_->codec, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    return fail(Errc::invalid_state, std::string("vp8.source: vpx_codec_enc_init: ") +
                                         vpx_codec_error(&s->encoder_->codec));
  }
  s->encoder_->initialized = true;
  if (vpx_codec_control(&s->encoder_->codec, VP8E_SET_CPUUSED, config.cpu_used) != VPX_CODEC_OK) {
    return fail(Errc::invalid_state, "vp8.source: VP8E_SET_CPUUSED refused");
  }
  if (!vpx_img_alloc(&s->encoder_->image, VPX_IMG_FMT_I420, config.width, config.height, 16)) {
    return fail(Errc::invalid_state, "vp8.source: vpx_img_alloc failed");
  }
  s->encoder_->image_allocated = true;
  return s;
}

Vp8PatternSource::~Vp8PatternSource() = default;

void Vp8PatternSource::render(std::uint64_t index) {
  vpx_image_t& img = encoder_->image;
  const unsigned w = config_.width;
  const unsigned h = config_.height;
  const unsigned seed = config_.pattern_seed;
  // Luma: a diagonal gradient scrolling one pixel per frame, with a bright square
  // bouncing across it; chroma: flat colours chosen by the seed. Pure integer maths,
  // so every run renders the same pictures.
  // A quarter of the shorter side (at least 8 pixels), so it always fits with room
  // to move (width and height are at least 16).
  const unsigned side = std::max(8u, std::min(w, h) / 4);
  const unsigned span_x = w - side;
  const unsigned span_y = h - side;
  const std::uint64_t step = index * (3 + seed % 5);
  const unsigned px = static_cast<unsigned>(step % (std::uint64_t{2} * span_x));
  const unsigned py =
      static_cast<unsigned>((step / 2 + std::uint64_t{seed} * 7) % (std::uint64_t{2} * span_y));
  const unsigned sx = px < span_x ? px : 2 * span_x - px;
  const unsigned sy = py < span_y ? py : 2 * span_y - py;
  for (unsigned y = 0; y < h; ++y) {
    std::uint8_t* row =
        img.planes[VPX_PLANE_Y] + static_cast<std::size_t>(y) * img.stride[VPX_PLANE_Y];
    for (unsigned x = 0; x < w; ++x) {
      const bool in_square = x >= sx && x < sx + side && y >= sy && y < sy + side;
      row[x] =
          in_square
              ? 235
              : static_cast<std::uint8_t>(16 + (x + y + index + std::uint64_t{seed} * 13) % 200);
    }
  }
  const std::uint8_t u = static_cast<std::uint8_t>(64 + (seed * 37) % 128);
  const std::uint8_t v = static_cast<std::uint8_t>(64 + (seed * 91 + 40) % 128);
  for (unsigned y = 0; y < (h + 1) / 2; ++y) {
    std::memset(img.planes[VPX_PLANE_U] + static_cast<std::size_t>(y) * img.stride[VPX_PLANE_U], u,
                (w + 1) / 2);
    std::memset(img.planes[VPX_PLANE_V] + static_cast<std::size_t>(y) * img.stride[VPX_PLANE_V], v,
                (w + 1) / 2);
  }
}

Result<bool> Vp8PatternSource::next(EncodedFrame& frame) {
  render(frame_index_);
  const vpx_enc_frame_flags_t flags = keyframe_requested_ ? VPX_EFLAG_FORCE_KF : 0;
  if (vpx_codec_encode(&encoder_->codec, &encoder_->image,
                       static_cast<vpx_codec_pts_t>(frame_index_), 1, flags,
                       VPX_DL_REALTIME) != VPX_CODEC_OK) {
    return fail(Errc::invalid_state,
                std::string("vp8.source: vpx_codec_encode: ") + vpx_codec_error(&encoder_->codec));
  }
  frame.kind = MediaKind::video;
  frame.data.clear();
  frame.keyframe = false;
  bool got = false;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&encoder_->codec, &iter)) {
    if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    // With no lag and no frame dropping there is exactly one frame per input.
    const auto* p = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
    frame.data.assign(p, p + pkt->data.frame.sz);
    frame.keyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
    got = true;
  }
  if (!got || frame.data.empty())
    return fail(Errc::invalid_state, "vp8.source: the encoder produced no frame");
  if (frame.data.size() > kMaxFrameSize)
    return fail(Errc::limit_exceeded, "vp8.source: frame over kMaxFrameSize");
  if (frame.keyframe) keyframe_requested_ = false;
  frame.rtp_timestamp = config_.first_rtp_timestamp +
                        static_cast<std::uint32_t>(frame_index_ * (kVideoClockRate / config_.fps));
  ++frame_index_;
  return true;
}

bool vp8_is_keyframe(ByteView frame) {
  return !frame.empty() && (frame[0] & 0x01) == 0;
}

std::optional<Vp8FrameSize> vp8_keyframe_size(ByteView frame) {
  // RFC 6386 §9.1: a 3-byte frame tag, then for key frames the start code 9d 01 2a and
  // two 16-bit little-endian fields: 14 bits of size, 2 bits of scaling.
  if (frame.size() < 10 || !vp8_is_keyframe(frame)) return std::nullopt;
  if (frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a) return std::nullopt;
  const unsigned w = (frame[6] | (frame[7] << 8)) & 0x3fff;
  const unsigned h = (frame[8] | (frame[9] << 8)) & 0x3fff;
  if (w == 0 || h == 0) return std::nullopt;
  return Vp8FrameSize{w, h};
}

struct Vp8Decoder::State {
  vpx_codec_ctx_t codec{};
  bool initialized = false;
  ~State() {
    if (initialized) vpx_codec_destroy(&codec);
  }
};

Result<Vp8Decoder> Vp8Decoder::create() {
  Vp8Decoder d;
  d.state_ = std::make_unique<State>();
  vpx_codec_dec_cfg_t cfg{};
  cfg.threads = 1;
  if (vpx_codec_dec_init(&d.state_->codec, vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK) {
    return fail(Errc::invalid_state, "vp8.decoder: vpx_codec_dec_init failed");
  }
  d.state_->initialized = true;
  return d;
}

Vp8Decoder::~Vp8Decoder() = default;
Vp8Decoder::Vp8Decoder(Vp8Decoder&&) noexcept = default;
Vp8Decoder& Vp8Decoder::operator=(Vp8Decoder&&) noexcept = default;

Result<Vp8FrameSize> Vp8Decoder::decode(ByteView frame) {
  if (frame.empty() || frame.size() > kMaxFrameSize) {
    return fail(Errc::invalid_argument, "vp8.decoder: empty or oversized frame");
  }
  if (vpx_codec_decode(&state_->codec, frame.data(), static_cast<unsigned>(frame.size()), nullptr,
                       0) != VPX_CODEC_OK) {
    return fail(Errc::invalid_encoding,
                std::string("vp8.decoder: ") + vpx_codec_error(&state_->codec));
  }
  vpx_codec_iter_t iter = nullptr;
  const vpx_image_t* img = vpx_codec_get_frame(&state_->codec, &iter);
  if (!img) return fail(Errc::invalid_encoding, "vp8.decoder: no picture");
  Vp8FrameSize size{img->d_w, img->d_h};
  while (vpx_codec_get_frame(&state_->codec, &iter)) {
  }
  return size;
}

}  // namespace ztm::media
