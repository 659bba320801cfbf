// Opus and VP8 through the real libopus and libvpx: determinism, keyframes, decoding.
#include <gtest/gtest.h>

#include <cmath>

#include "ztm/media/opus.h"
#include "ztm/media/vp8.h"

namespace ztm::media {
namespace {

TEST(OpusToneSource, SameConfigGivesSamePacketsAndTimestampsStep960) {
  OpusToneConfig config;
  config.frequency_hz = 330;
  config.first_rtp_timestamp = 1000;
  auto a = OpusToneSource::create(config).value();
  auto b = OpusToneSource::create(config).value();
  EncodedFrame fa, fb;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(a->next(fa).value());
    ASSERT_TRUE(b->next(fb).value());
    EXPECT_EQ(fa.data, fb.data);
    EXPECT_EQ(fa.rtp_timestamp, 1000u + 960u * static_cast<unsigned>(i));
    EXPECT_EQ(fa.kind, MediaKind::audio);
    EXPECT_EQ(opus_packet_samples(fa.data).value(), kOpusFrameSamples);
  }
  EXPECT_GT(a->pre_skip(), 0);
}

TEST(OpusToneSource, FrequencyTellsSourcesApart) {
  OpusToneConfig c1, c2;
  c1.frequency_hz = 300;
  c2.frequency_hz = 600;
  auto a = OpusToneSource::create(c1).value();
  auto b = OpusToneSource::create(c2).value();
  EncodedFrame fa, fb;
  int differing = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(a->next(fa).value());
    ASSERT_TRUE(b->next(fb).value());
    differing += fa.data != fb.data;
  }
  EXPECT_GE(differing, 9);
}

TEST(OpusToneSource, RejectsBadConfig) {
  OpusToneConfig c;
  c.channels = 3;
  EXPECT_EQ(OpusToneSource::create(c).error().code, Errc::invalid_argument);
  c = {};
  c.frequency_hz = -1;
  EXPECT_EQ(OpusToneSource::create(c).error().code, Errc::invalid_argument);
  c = {};
  c.bitrate_bps = 10;
  EXPECT_EQ(OpusToneSource::create(c).error().code, Errc::invalid_argument);
}

// The decoded tone has the energy it was encoded with (after the codec's startup).
TEST(OpusDecoder, DecodesTheToneBackToAudibleSignal) {
  OpusToneConfig config;
  config.amplitude = 0.5;
  auto source = OpusToneSource::create(config).value();
  auto decoder = OpusDecoder::create(1).value();
  EncodedFrame f;
  double energy = 0;
  std::size_t samples = 0;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(source->next(f).value());
    ASSERT_EQ(decoder.decode(f.data).value(), 960);
    if (i < 10) continue;
    for (std::int16_t s : decoder.pcm()) energy += double(s) * s;
    samples += decoder.pcm().size();
  }
  const double rms = std::sqrt(energy / double(samples)) / 32768.0;
  // A sine of peak 0.5 × swell (0.5..1) has an RMS between 0.18 and 0.35.
  EXPECT_GT(rms, 0.15);
  EXPECT_LT(rms, 0.4);
}

TEST(OpusDecoder, RejectsGarbage) {
  auto decoder = OpusDecoder::create(1).value();
  // TOC code 3 (arbitrary frame count) with a count byte of 0 frames: RFC 6716 §3.2.5 R5.
  const Bytes bad = {0x03, 0x00};
  EXPECT_EQ(decoder.decode(bad).error().code, Errc::invalid_encoding);
  EXPECT_EQ(decoder.decode({}).error().code, Errc::invalid_argument);
  EXPECT_FALSE(opus_packet_samples({}));
  EXPECT_EQ(OpusDecoder::create(0).error().code, Errc::invalid_argument);
}

Vp8Config small_video() {
  Vp8Config c;
  c.width = 160;
  c.height = 96;
  c.fps = 30;
  c.bitrate_kbps = 200;
  c.keyframe_interval_frames = 10;
  return c;
}

TEST(Vp8PatternSource, KeyframesPeriodicAndOnRequestAndEveryFrameDecodes) {
  auto source = Vp8PatternSource::create(small_video()).value();
  auto decoder = Vp8Decoder::create().value();
  EncodedFrame f;
  std::vector<int> keyframes;
  for (int i = 0; i < 25; ++i) {
    if (i == 4) source->request_keyframe();
    ASSERT_TRUE(source->next(f).value());
    EXPECT_EQ(f.kind, MediaKind::video);
    EXPECT_EQ(f.rtp_timestamp, 3000u * static_cast<unsigned>(i));
    EXPECT_EQ(f.keyframe, vp8_is_keyframe(f.data));
    if (f.keyframe) {
      keyframes.push_back(i);
      const auto size = vp8_keyframe_size(f.data);
      ASSERT_TRUE(size);
      EXPECT_EQ(size->width, 160u);
      EXPECT_EQ(size->height, 96u);
    } else {
      EXPECT_FALSE(vp8_keyframe_size(f.data));
    }
    const auto picture = decoder.decode(f.data).value();
    EXPECT_EQ(picture.width, 160u);
    EXPECT_EQ(picture.height, 96u);
  }
  ASSERT_GE(keyframes.size(), 3u);
  EXPECT_EQ(keyframes[0], 0);
  EXPECT_EQ(keyframes[1], 4);  // the request
  // Then at most keyframe_interval_frames apart.
  for (std::size_t k = 1; k < keyframes.size(); ++k) EXPECT_LE(keyframes[k] - keyframes[k - 1], 10);
}

TEST(Vp8PatternSource, DeterministicAndSeedMatters) {
  auto a = Vp8PatternSource::create(small_video()).value();
  auto b = Vp8PatternSource::create(small_video()).value();
  auto seeded = small_video();
  seeded.pattern_seed = 7;
  auto c = Vp8PatternSource::create(seeded).value();
  EncodedFrame fa, fb, fc;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a->next(fa).value());
    ASSERT_TRUE(b->next(fb).value());
    ASSERT_TRUE(c->next(fc).value());
    EXPECT_EQ(fa.data, fb.data);
    EXPECT_NE(fa.data, fc.data);
  }
}

TEST(Vp8PatternSource, RejectsBadConfig) {
  auto c = small_video();
  c.width = 161;
  EXPECT_EQ(Vp8PatternSource::create(c).error().code, Errc::invalid_argument);
  c = small_video();
  c.fps = 0;
  EXPECT_EQ(Vp8PatternSource::create(c).error().code, Errc::invalid_argument);
}

// The pattern fits any allowed shape. Regression: a 16×64 picture once made the
// moving square as wide as the picture, and its travel range zero (a division by zero).
TEST(Vp8PatternSource, ExtremeShapesEncodeAndDecode) {
  for (const auto& [w, h] : {std::pair{16u, 64u}, std::pair{64u, 16u}, std::pair{16u, 16u}}) {
    auto c = small_video();
    c.width = w;
    c.height = h;
    auto source = Vp8PatternSource::create(c).value();
    auto decoder = Vp8Decoder::create().value();
    EncodedFrame f;
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(source->next(f).value());
      const auto size = decoder.decode(f.data).value();
      EXPECT_EQ(size.width, w);
      EXPECT_EQ(size.height, h);
    }
  }
}

TEST(Vp8Decoder, RejectsGarbageAndDeltaWithoutKeyframe) {
  auto source = Vp8PatternSource::create(small_video()).value();
  EncodedFrame key, delta;
  ASSERT_TRUE(source->next(key).value());
  ASSERT_TRUE(source->next(delta).value());
  ASSERT_FALSE(delta.keyframe);
  auto decoder = Vp8Decoder::create().value();
  EXPECT_FALSE(decoder.decode(delta.data));
  Bytes garbage = key.data;
  garbage.resize(12);
  auto fresh = Vp8Decoder::create().value();
  EXPECT_EQ(fresh.decode(garbage).error().code, Errc::invalid_encoding);
  EXPECT_EQ(fresh.decode({}).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace ztm::media
