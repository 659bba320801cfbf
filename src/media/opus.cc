// Opus through libopus: the generated test tone, the decoder, TOC helpers.
#include "ztm/media/opus.h"

#include <opus/opus.h>

#include <cmath>
#include <numbers>

namespace ztm::media {

struct OpusToneSource::Encoder {
  OpusEncoder* enc = nullptr;
  ~Encoder() {
    if (enc) opus_encoder_destroy(enc);
  }
};

Result<std::unique_ptr<OpusToneSource>> OpusToneSource::create(const OpusToneConfig& config) {
  if (config.channels != 1 && config.channels != 2) {
    return fail(Errc::invalid_argument, "opus.tone: channels must be 1 or 2");
  }
  if (!(config.frequency_hz > 0 && config.frequency_hz < 20000) ||
      !(config.amplitude >= 0 && config.amplitude <= 1)) {
    return fail(Errc::invalid_argument, "opus.tone: frequency or amplitude out of range");
  }
  if (config.bitrate_bps < 6000 || config.bitrate_bps > 510000 || config.complexity < 0 ||
      config.complexity > 10) {
    return fail(Errc::invalid_argument, "opus.tone: bitrate or complexity out of range");
  }
  std::unique_ptr<OpusToneSource> s(new OpusToneSource());
  s->config_ = config;
  s->encoder_ = std::make_unique<Encoder>();
  int err = OPUS_OK;
  // OPUS_APPLICATION_AUDIO: a tone is not speech; the VOIP mode's speech filtering
  // would only cost fidelity.
  s->encoder_->enc =
      opus_encoder_create(kOpusClockRate, config.channels, OPUS_APPLICATION_AUDIO, &err);
  if (err != OPUS_OK || !s->encoder_->enc) {
    return fail(Errc::invalid_state,
                std::string("opus.tone: opus_encoder_create: ") + opus_strerror(err));
  }
  OpusEncoder* enc = s->encoder_->enc;
  if (opus_encoder_ctl(enc, OPUS_SET_BITRATE(config.bitrate_bps)) != OPUS_OK ||
      opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(config.complexity)) != OPUS_OK) {
    return fail(Errc::invalid_state, "opus.tone: encoder rejected its settings");
  }
  opus_int32 lookahead = 0;
  if (opus_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(&lookahead)) != OPUS_OK || lookahead < 0 ||
      lookahead > 65535) {
    return fail(Errc::invalid_state, "opus.tone: no lookahead");
  }
  s->pre_skip_ = static_cast<std::uint16_t>(lookahead);
  s->pcm_.resize(kOpusFrameSamples * static_cast<std::size_t>(config.channels));
  s->next_timestamp_ = config.first_rtp_timestamp;
  return s;
}

OpusToneSource::~OpusToneSource() = default;

Result<bool> OpusToneSource::next(EncodedFrame& frame) {
  const auto channels = static_cast<std::size_t>(config_.channels);
  for (std::size_t i = 0; i < kOpusFrameSamples; ++i) {
    // Sample n of a sine at f Hz with a 1 Hz swell between 50 % and 100 % of the
    // amplitude. Integer sample index in, so every run computes the same floats.
    const double t = static_cast<double>(sample_index_ + i) / kOpusClockRate;
    const double swell = 0.75 + 0.25 * std::sin(2 * std::numbers::pi * t);
    const double v =
        config_.amplitude * swell * std::sin(2 * std::numbers::pi * config_.frequency_hz * t);
    for (std::size_t c = 0; c < channels; ++c) pcm_[i * channels + c] = static_cast<float>(v);
  }
  frame.kind = MediaKind::audio;
  frame.data.resize(kOpusMaxPacketSize);
  const opus_int32 n =
      opus_encode_float(encoder_->enc, pcm_.data(), kOpusFrameSamples, frame.data.data(),
                        static_cast<opus_int32>(frame.data.size()));
  if (n < 0)
    return fail(Errc::invalid_state,
                std::string("opus.tone: opus_encode_float: ") + opus_strerror(n));
  frame.data.resize(static_cast<std::size_t>(n));
  frame.rtp_timestamp = next_timestamp_;
  frame.keyframe = true;
  sample_index_ += kOpusFrameSamples;
  next_timestamp_ += kOpusFrameSamples;
  return true;
}

struct OpusDecoder::State {
  ::OpusDecoder* dec = nullptr;
  ~State() {
    if (dec) opus_decoder_destroy(dec);
  }
};

Result<OpusDecoder> OpusDecoder::create(int channels) {
  if (channels != 1 && channels != 2)
    return fail(Errc::invalid_argument, "opus.decoder: channels must be 1 or 2");
  OpusDecoder d;
  d.state_ = std::make_unique<State>();
  int err = OPUS_OK;
  d.state_->dec = opus_decoder_create(kOpusClockRate, channels, &err);
  if (err != OPUS_OK || !d.state_->dec) {
    return fail(Errc::invalid_state, std::string("opus.decoder: ") + opus_strerror(err));
  }
  d.channels_ = static_cast<std::size_t>(channels);
  // 120 ms is the longest packet (RFC 6716 §3.2.5).
  d.pcm_.resize(5760 * d.channels_);
  return d;
}

OpusDecoder::~OpusDecoder() = default;
OpusDecoder::OpusDecoder(OpusDecoder&&) noexcept = default;
OpusDecoder& OpusDecoder::operator=(OpusDecoder&&) noexcept = default;

Result<int> OpusDecoder::decode(ByteView packet) {
  if (packet.empty()) return fail(Errc::invalid_argument, "opus.decoder: empty packet");
  const int n = opus_decode(state_->dec, packet.data(), static_cast<opus_int32>(packet.size()),
                            pcm_.data(), static_cast<int>(pcm_.size() / channels_), 0);
  if (n < 0) {
    last_samples_ = 0;
    return fail(Errc::invalid_encoding, std::string("opus.decoder: ") + opus_strerror(n));
  }
  last_samples_ = static_cast<std::size_t>(n);
  return n;
}

Result<std::uint32_t> opus_packet_samples(ByteView packet) {
  if (packet.empty()) return fail(Errc::invalid_encoding, "opus.toc: empty packet");
  const int n = opus_packet_get_nb_samples(packet.data(), static_cast<opus_int32>(packet.size()),
                                           kOpusClockRate);
  if (n <= 0) return fail(Errc::invalid_encoding, "opus.toc: malformed packet");
  return static_cast<std::uint32_t>(n);
}

Result<int> opus_packet_channels(ByteView packet) {
  if (packet.empty()) return fail(Errc::invalid_encoding, "opus.toc: empty packet");
  return opus_packet_get_nb_channels(packet.data());
}

}  // namespace ztm::media
