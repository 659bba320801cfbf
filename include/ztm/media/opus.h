// Opus audio through libopus (RFC 6716): a deterministic test-tone encoder, an Ogg
// Opus file source, and a decoder that proves received packets decode.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/media/frame.h"

namespace ztm::media {

// Every Opus frame ztmeet sends is 20 ms at 48 kHz.
inline constexpr std::uint32_t kOpusFrameSamples = 960;
// kOpusMaxPacketSize: RFC 6716 §3.4 R5, a packet holds at most 120 ms, and 1275 bytes
// per 20 ms frame bounds it well under this.
inline constexpr std::size_t kOpusMaxPacketSize = 4000;

// OpusToneConfig describes the generated test signal: a sine tone whose frequency
// tells participants apart, with a 1 Hz amplitude swell so frames differ.
struct OpusToneConfig {
  double frequency_hz = 440.0;
  double amplitude = 0.3;  // of full scale, 0..1
  int channels = 1;        // 1 or 2
  int bitrate_bps = 32000;
  int complexity = 5;  // 0..10; libopus's cost knob
  std::uint32_t first_rtp_timestamp = 0;
};

// OpusToneSource encodes the tone at 48 kHz in 20 ms frames. Two sources with the same
// config produce the same packets on one machine (libopus is deterministic for a
// given input and build). Owns its libopus encoder.
class OpusToneSource final : public FrameSource {
 public:
  // create fails with invalid_argument for a bad config and invalid_state when
  // libopus refuses to set up the encoder.
  static Result<std::unique_ptr<OpusToneSource>> create(const OpusToneConfig& config);
  ~OpusToneSource() override;

  MediaKind kind() const override { return MediaKind::audio; }
  Result<bool> next(EncodedFrame& frame) override;
  std::uint32_t frame_duration_ticks() const override { return kOpusFrameSamples; }
  // pre_skip is the encoder's lookahead in 48 kHz samples, for OpusHead (RFC 7845 §5.1).
  std::uint16_t pre_skip() const { return pre_skip_; }
  int channels() const { return config_.channels; }

 private:
  struct Encoder;
  OpusToneSource() = default;
  OpusToneConfig config_;
  std::unique_ptr<Encoder> encoder_;
  std::vector<float> pcm_;
  std::uint64_t sample_index_ = 0;
  std::uint32_t next_timestamp_ = 0;
  std::uint16_t pre_skip_ = 0;
};

// OpusDecoder decodes Opus packets to 48 kHz PCM, to prove that received frames are
// real Opus. Owns its libopus decoder.
class OpusDecoder {
 public:
  static Result<OpusDecoder> create(int channels);
  ~OpusDecoder();
  OpusDecoder(OpusDecoder&&) noexcept;
  OpusDecoder& operator=(OpusDecoder&&) noexcept;

  // decode returns the samples per channel decoded from one packet; invalid_encoding
  // when libopus rejects the packet.
  Result<int> decode(ByteView packet);
  // pcm is the last decode's interleaved output.
  std::span<const std::int16_t> pcm() const { return {pcm_.data(), last_samples_ * channels_}; }

 private:
  OpusDecoder() = default;
  struct State;
  std::unique_ptr<State> state_;
  std::vector<std::int16_t> pcm_;
  std::size_t last_samples_ = 0;
  std::size_t channels_ = 1;
};

// opus_packet_samples is the number of 48 kHz samples per channel in a packet, from
// its TOC byte (RFC 6716 §3.1); invalid_encoding for a malformed packet.
Result<std::uint32_t> opus_packet_samples(ByteView packet);
// opus_packet_channels is 1 or 2 from the TOC's stereo bit.
Result<int> opus_packet_channels(ByteView packet);

}  // namespace ztm::media
