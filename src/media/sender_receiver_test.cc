// MediaSender and MediaReceiver: packet layout, reordering, loss, keyframe requests,
// attribution and every decryption failure kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "internal/test_support.h"
#include "ztm/media/receiver.h"
#include "ztm/media/sender.h"
#include "ztm/media/vp8.h"
#include "ztm/net/dependency_descriptor.h"
#include "ztm/net/rtp.h"
#include "ztm/net/srtp.h"

namespace ztm::media {
namespace {

using test::Clock;
constexpr std::uint8_t kDdId = 3;

StreamConfig audio_stream(std::uint32_t ssrc = 0xA0D10) {
  StreamConfig c;
  c.kind = MediaKind::audio;
  c.ssrc = ssrc;
  c.payload_type = 111;
  c.sframe_context_id = kAudioContextId;
  c.first_sequence_number = 65530;  // wraps during the test
  return c;
}

StreamConfig video_stream(std::uint32_t ssrc = 0x51DE0) {
  StreamConfig c;
  c.kind = MediaKind::video;
  c.ssrc = ssrc;
  c.payload_type = 96;
  c.sframe_context_id = kVideoContextId;
  c.dd_extension_id = kDdId;
  c.first_sequence_number = 100;
  c.width = 160;
  c.height = 96;
  return c;
}

EncodedFrame frame_of(MediaKind kind, std::size_t size, std::uint32_t ts, bool key,
                      std::uint8_t fill) {
  EncodedFrame f;
  f.kind = kind;
  f.data.assign(size, fill);
  if (kind == MediaKind::video) f.data[0] = key ? 0x00 : 0x01;  // the VP8 frame tag's P bit
  f.rtp_timestamp = ts;
  f.keyframe = key;
  return f;
}

std::vector<Bytes> to_vector(const RtpPacketBatch& b) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < b.size(); ++i) out.push_back(to_bytes(b.packet(i)));
  return out;
}

// drain pops every ready frame as (sender, kind, timestamp, bytes).
struct Got {
  std::uint32_t sender;
  MediaKind kind;
  std::uint32_t ts;
  Bytes data;
  bool keyframe;
  bool decodable;
};
std::vector<Got> drain(MediaReceiver& rx, sframe::MlsContext& keys, Clock::time_point now) {
  std::vector<Got> out;
  while (auto f = rx.pop_frame(keys, now).value()) {
    out.push_back(
        {f->sender, f->kind, f->rtp_timestamp, to_bytes(f->data), f->keyframe, f->decodable});
  }
  return out;
}

TEST(MediaSender, VideoPacketsCarryDescriptorMarkerAndFitTheMtu) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto tx = MediaSender::create(video_stream()).value();
  RtpPacketBatch batch;
  const auto key = frame_of(MediaKind::video, 5000, 9000, true, 0x42);
  const auto sent = tx.send_frame(key, keys.alice, batch).value();
  ASSERT_EQ(batch.size(), sent.packet_count);
  ASSERT_GE(sent.packet_count, 5u);
  EXPECT_EQ(sent.sframe_overhead, 2u + 16u);  // header (KID 1, CTR 0) + GCM tag
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_LE(batch.packet(i).size() + net::kSrtpMaxOverhead, kDefaultMtu);
    EXPECT_EQ(batch.slot(i).size(), kDefaultMtu);
    const auto view = net::rtp::PacketView::parse(batch.packet(i)).value();
    EXPECT_EQ(view.sequence_number(), 100 + i);
    EXPECT_EQ(view.timestamp(), 9000u);
    EXPECT_EQ(view.payload_type(), 96);
    EXPECT_EQ(view.marker(), i + 1 == batch.size());
    const auto dd = net::dd::parse(*view.find_extension(kDdId)).value();
    EXPECT_EQ(dd.start_of_frame, i == 0);
    EXPECT_EQ(dd.end_of_frame, i + 1 == batch.size());
    EXPECT_EQ(dd.frame_number, 0);
    // The SFU's keyframe test: the structure on the keyframe's first packet.
    EXPECT_EQ(dd.is_keyframe(), i == 0);
    if (i == 0) {
      ASSERT_EQ(dd.structure->resolutions.size(), 1u);
      EXPECT_EQ(dd.structure->resolutions[0].width, 160);
    }
    EXPECT_EQ(view.payload()[0] & 0xC0, (i == 0 ? 0x80 : 0) | (i + 1 == batch.size() ? 0x40 : 0));
  }
  // A delta frame: next frame number, template 1, no structure; one packet has S and E.
  ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::video, 300, 12000, false, 1), keys.alice, batch));
  ASSERT_EQ(batch.size(), 1u);
  const auto view = net::rtp::PacketView::parse(batch.packet(0)).value();
  const auto dd = net::dd::parse(*view.find_extension(kDdId)).value();
  EXPECT_TRUE(dd.start_of_frame && dd.end_of_frame && !dd.is_keyframe());
  EXPECT_EQ(dd.frame_number, 1);
  EXPECT_EQ(dd.frame_dependency_template_id, 1);
  EXPECT_EQ(view.payload()[0], 0xC0);
  EXPECT_EQ(tx.stats().frames, 2u);
  EXPECT_EQ(tx.stats().keyframes, 1u);
  EXPECT_EQ(tx.stats().packets, sent.packet_count + 1);
}

TEST(MediaSender, AudioIsOnePacketWithMarkerOnlyFirstAndNoExtension) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto tx = MediaSender::create(audio_stream()).value();
  RtpPacketBatch batch;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        tx.send_frame(frame_of(MediaKind::audio, 80, 960u * i, true, 5), keys.alice, batch));
    ASSERT_EQ(batch.size(), 1u);
    const auto view = net::rtp::PacketView::parse(batch.packet(0)).value();
    EXPECT_EQ(view.marker(), i == 0);
    EXPECT_FALSE(view.extension_profile());
    EXPECT_EQ(view.sequence_number(), static_cast<std::uint16_t>(65530 + i));
  }
}

TEST(MediaSender, RefusesBadConfigAndFrames) {
  auto c = video_stream();
  c.dd_extension_id = 0;
  EXPECT_EQ(MediaSender::create(c).error().code, Errc::invalid_argument);
  c = audio_stream();
  c.payload_type = 128;
  EXPECT_EQ(MediaSender::create(c).error().code, Errc::invalid_argument);
  c = audio_stream();
  c.mtu = 100;
  EXPECT_EQ(MediaSender::create(c).error().code, Errc::invalid_argument);

  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto tx = MediaSender::create(audio_stream()).value();
  RtpPacketBatch batch;
  EXPECT_EQ(
      tx.send_frame(frame_of(MediaKind::video, 10, 0, true, 1), keys.alice, batch).error().code,
      Errc::invalid_argument);
  EXPECT_EQ(tx.send_frame(EncodedFrame{}, keys.alice, batch).error().code, Errc::invalid_argument);
  // No epoch yet: SFrame's invalid_state passes through and spends no sequence number.
  auto empty = sframe::MlsContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128).value();
  EXPECT_EQ(tx.send_frame(frame_of(MediaKind::audio, 10, 0, true, 1), empty, batch).error().code,
            Errc::invalid_state);
  ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::audio, 10, 0, true, 1), keys.alice, batch));
  EXPECT_EQ(net::rtp::PacketView::parse(batch.packet(0)).value().sequence_number(), 65530);
}

// The core property: shuffled (within the window) and duplicated packets of two
// streams come out as the frames sent, attributed to the sending leaf.
TEST(MediaReceiver, ReordersDeduplicatesAndAttributesToTheKidsLeaf) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto audio_tx = MediaSender::create(audio_stream()).value();
  auto video_tx = MediaSender::create(video_stream()).value();
  std::vector<EncodedFrame> audio, video;
  std::vector<Bytes> wire;
  RtpPacketBatch batch;
  std::mt19937 rng(7);
  for (std::uint32_t i = 0; i < 40; ++i) {
    audio.push_back(
        frame_of(MediaKind::audio, 60 + i, 960 * i, true, static_cast<std::uint8_t>(i)));
    ASSERT_TRUE(audio_tx.send_frame(audio.back(), keys.alice, batch));
    for (auto& p : to_vector(batch)) wire.push_back(p);
    if (i % 2 == 0) {
      video.push_back(frame_of(MediaKind::video, 200 + 700 * (i % 5), 3000 * i, i % 20 == 0,
                               static_cast<std::uint8_t>(i + 100)));
      ASSERT_TRUE(video_tx.send_frame(video.back(), keys.alice, batch));
      for (auto& p : to_vector(batch)) wire.push_back(p);
    }
  }
  // Shuffle within blocks of 6 packets (well inside both reorder windows), and send
  // every fifth packet twice. The first block stays in order: a receiver cannot know
  // that a packet precedes the first one it saw, so a frame that overtakes a stream's
  // very first frame makes that one late (as in any jitter buffer without a start-up
  // delay).
  for (std::size_t b = 6; b < wire.size(); b += 6) {
    std::shuffle(wire.begin() + static_cast<long>(b),
                 wire.begin() + static_cast<long>(std::min(b + 6, wire.size())), rng);
  }
  std::vector<Bytes> delivered;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    delivered.push_back(wire[i]);
    if (i % 5 == 0) delivered.push_back(wire[i]);
  }

  auto rx = MediaReceiver::create().value();
  std::vector<Got> got;
  for (const auto& p : delivered) {
    ASSERT_TRUE(rx.receive_rtp(p));
    for (auto& g : drain(rx, keys.bob, now)) got.push_back(std::move(g));
  }
  std::vector<Got> got_audio, got_video;
  for (auto& g : got) {
    EXPECT_EQ(g.sender, 0u);  // Alice is leaf 0
    (g.kind == MediaKind::audio ? got_audio : got_video).push_back(std::move(g));
  }
  ASSERT_EQ(got_audio.size(), audio.size());
  ASSERT_EQ(got_video.size(), video.size());
  for (std::size_t i = 0; i < audio.size(); ++i) {
    EXPECT_EQ(got_audio[i].data, audio[i].data);
    EXPECT_EQ(got_audio[i].ts, audio[i].rtp_timestamp);
  }
  for (std::size_t i = 0; i < video.size(); ++i) {
    EXPECT_EQ(got_video[i].data, video[i].data);
    EXPECT_EQ(got_video[i].keyframe, video[i].keyframe);
    EXPECT_TRUE(got_video[i].decodable);
  }
  const auto& stats = rx.participant_stats();
  EXPECT_EQ(stats.at({0, MediaKind::audio}).frames_decrypted, audio.size());
  EXPECT_EQ(stats.at({0, MediaKind::video}).frames_decrypted, video.size());
  EXPECT_EQ(stats.at({0, MediaKind::video}).keyframes, 2u);
  EXPECT_TRUE(stats.at({0, MediaKind::video}).decryption_failures.empty());
  const auto streams = rx.stream_stats();
  EXPECT_GT(streams.at(0x51DE0).assembler.packets_duplicate, 0u);
  EXPECT_EQ(streams.at(0x51DE0).assembler.frames_dropped, 0u);
  EXPECT_TRUE(rx.keyframe_requests(now).empty());
}

TEST(MediaReceiver, LostVideoPacketAsksForKeyframeUntilOneArrives) {
  auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto tx = MediaSender::create(video_stream()).value();
  ReceiverConfig config;
  config.video_assembler.reorder_window_packets = 4;
  auto rx = MediaReceiver::create(config).value();
  RtpPacketBatch batch;
  auto send = [&](const EncodedFrame& f, std::optional<std::size_t> drop = std::nullopt) {
    ASSERT_TRUE(tx.send_frame(f, keys.alice, batch));
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (drop && *drop == i) continue;
      ASSERT_TRUE(rx.receive_rtp(batch.packet(i)));
    }
  };
  // A receiver that joins mid-stream gets a delta frame first and asks for a keyframe.
  send(frame_of(MediaKind::video, 100, 0, false, 1));
  EXPECT_EQ(drain(rx, keys.bob, now).size(), 1u);
  EXPECT_EQ(rx.keyframe_requests(now), std::vector<std::uint32_t>{0x51DE0});
  send(frame_of(MediaKind::video, 3000, 3000, true, 2));
  auto got = drain(rx, keys.bob, now);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].keyframe && got[0].decodable);
  // A delta frame of three packets loses its middle one; the following frames
  // push the assembler past its reorder window.
  send(frame_of(MediaKind::video, 3000, 6000, false, 3), 1);
  for (std::uint32_t i = 3; i < 8; ++i) send(frame_of(MediaKind::video, 100, 3000 * i, false, 4));
  got = drain(rx, keys.bob, now);
  ASSERT_FALSE(got.empty());
  for (const auto& g : got) EXPECT_FALSE(g.decodable);
  EXPECT_EQ(rx.stream_stats().at(0x51DE0).assembler.frames_dropped, 1u);
  EXPECT_EQ(rx.keyframe_requests(now), std::vector<std::uint32_t>{0x51DE0});
  // Repeated, but not more often than the interval.
  EXPECT_TRUE(rx.keyframe_requests(now + std::chrono::milliseconds(100)).empty());
  EXPECT_EQ(rx.keyframe_requests(now + std::chrono::milliseconds(600)).size(), 1u);
  send(frame_of(MediaKind::video, 3000, 30000, true, 5));
  got = drain(rx, keys.bob, now);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].decodable);
  EXPECT_TRUE(rx.keyframe_requests(now + std::chrono::seconds(5)).empty());
}

// A stream that starts with its keyframe never asks for one, even while the
// keyframe's packets are still arriving.
TEST(MediaReceiver, AStreamStartingWithAKeyframeAsksForNothing) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto tx = MediaSender::create(video_stream()).value();
  auto rx = MediaReceiver::create().value();
  RtpPacketBatch batch;
  ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::video, 3000, 0, true, 1), keys.alice, batch));
  ASSERT_GE(batch.size(), 3u);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    ASSERT_TRUE(rx.receive_rtp(batch.packet(i)));
    EXPECT_TRUE(rx.keyframe_requests(now).empty());
  }
  const auto got = drain(rx, keys.bob, now);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].keyframe && got[0].decodable);
  EXPECT_TRUE(rx.keyframe_requests(now).empty());
  EXPECT_FALSE(rx.stream_stats().at(0x51DE0).keyframe_needed);
}

TEST(MediaReceiver, CountsEachDecryptionFailureKind) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  auto outsider = test::make_member_keys(now, 1, 0x11);  // another group's key
  auto tx = MediaSender::create(audio_stream()).value();
  auto rx = MediaReceiver::create().value();
  RtpPacketBatch batch;
  std::uint32_t ts = 0;
  auto send_with = [&](sframe::MlsContext& k, auto mutate) {
    ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::audio, 50, ts, true, 9), k, batch));
    ts += 960;
    Bytes p = to_bytes(batch.packet(0));
    mutate(p);
    ASSERT_TRUE(rx.receive_rtp(p));
  };
  auto none = [](Bytes&) {};
  // Wrong key before any good frame: not attributable to anyone yet.
  send_with(outsider.alice, none);
  EXPECT_TRUE(drain(rx, keys.bob, now).empty());
  EXPECT_EQ(rx.stream_stats().at(0xA0D10).unattributed_failures.at(Errc::authentication_failed),
            1u);
  // A good frame: the SSRC is now Alice's (leaf 0).
  send_with(keys.alice, none);
  const Bytes good = to_bytes(batch.packet(0));
  EXPECT_EQ(drain(rx, keys.bob, now).size(), 1u);
  // A flipped tag bit.
  send_with(keys.alice, [](Bytes& p) { p.back() ^= 1; });
  EXPECT_TRUE(drain(rx, keys.bob, now).empty());
  // Bob's own frame reflected back to him.
  send_with(keys.bob, none);
  EXPECT_TRUE(drain(rx, keys.bob, now).empty());
  // The good frame again under the next RTP sequence number (65534), so the
  // assembler passes it on and SFrame's replay window has to catch it.
  Bytes replayed = good;
  replayed[2] = 0xff;
  replayed[3] = 0xfe;
  ASSERT_TRUE(rx.receive_rtp(replayed));
  EXPECT_TRUE(drain(rx, keys.bob, now).empty());
  const auto& failures = rx.participant_stats().at({0, MediaKind::audio}).decryption_failures;
  EXPECT_EQ(failures.at(Errc::authentication_failed), 1u);
  EXPECT_EQ(failures.at(Errc::protocol_violation), 1u);
  EXPECT_EQ(failures.at(Errc::replay), 1u);
  EXPECT_EQ(failures.size(), 3u);
  EXPECT_EQ(rx.participant_stats().at({0, MediaKind::audio}).frames_decrypted, 1u);
  EXPECT_EQ(rx.participant_stats().at({0, MediaKind::audio}).frames_received, 4u);
}

// A commit removes Carol: Alice and Bob move to epoch 2, Carol cannot. Alice's
// frames keep flowing on the same SSRC; Bob decrypts them in the new epoch, Carol's
// receiver counts each as unknown_key against Alice.
TEST(MediaReceiver, AfterAnEpochChangeARemovedMemberCannotDecrypt) {
  const auto now = Clock::now();
  const auto suite = sframe::CipherSuite::aes_128_gcm_sha256_128;
  const SecretBytes epoch1(Bytes(16, 1));
  const SecretBytes epoch2(Bytes(16, 2));
  auto alice = sframe::MlsContext::create(suite).value();
  auto bob = sframe::MlsContext::create(suite).value();
  auto carol = sframe::MlsContext::create(suite).value();
  ASSERT_TRUE(alice.add_epoch(1, epoch1, 3, 0, now));
  ASSERT_TRUE(bob.add_epoch(1, epoch1, 3, 1, now));
  ASSERT_TRUE(carol.add_epoch(1, epoch1, 3, 2, now));
  auto tx = MediaSender::create(audio_stream()).value();
  auto bob_rx = MediaReceiver::create().value();
  auto carol_rx = MediaReceiver::create().value();
  RtpPacketBatch batch;
  std::uint32_t ts = 0;
  auto send = [&] {
    ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::audio, 40, ts, true, 3), alice, batch));
    ts += 960;
    ASSERT_TRUE(bob_rx.receive_rtp(batch.packet(0)));
    ASSERT_TRUE(carol_rx.receive_rtp(batch.packet(0)));
  };
  send();
  EXPECT_EQ(drain(bob_rx, bob, now).size(), 1u);
  EXPECT_EQ(drain(carol_rx, carol, now).size(), 1u);

  ASSERT_TRUE(alice.add_epoch(2, epoch2, 2, 0, now));
  ASSERT_TRUE(bob.add_epoch(2, epoch2, 2, 1, now));
  for (int i = 0; i < 3; ++i) send();
  auto got = drain(bob_rx, bob, now);
  ASSERT_EQ(got.size(), 3u);
  auto frame = bob_rx.pop_frame(bob, now).value();
  EXPECT_FALSE(frame);
  EXPECT_TRUE(drain(carol_rx, carol, now).empty());
  const auto& carol_view = carol_rx.participant_stats().at({0, MediaKind::audio});
  EXPECT_EQ(carol_view.frames_decrypted, 1u);
  EXPECT_EQ(carol_view.decryption_failures.at(Errc::unknown_key), 3u);
  EXPECT_EQ(bob_rx.participant_stats().at({0, MediaKind::audio}).frames_decrypted, 4u);
}

TEST(MediaReceiver, ReportsTheEpochOfEachFrame) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now, 5);
  auto tx = MediaSender::create(audio_stream()).value();
  auto rx = MediaReceiver::create().value();
  RtpPacketBatch batch;
  ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::audio, 40, 0, true, 3), keys.alice, batch));
  ASSERT_TRUE(rx.receive_rtp(batch.packet(0)));
  auto f = rx.pop_frame(keys.bob, now).value();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->epoch, 5u);
  EXPECT_EQ(f->sender, 0u);
  EXPECT_EQ(f->ssrc, 0xA0D10u);
  // KID 5 (context 0, leaf 0, epoch 5) and CTR 0 both fit the config byte (RFC 9605
  // §4.3), so the header is one byte; plus the 16-byte tag.
  EXPECT_EQ(f->sframe_overhead, 1u + 16u);
}

TEST(MediaReceiver, FrameMovedToTheOtherKindIsRefused) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  // A video frame encrypted under the audio context id, sent on a video stream: an
  // SFU splicing audio into video (or a confused sender).
  auto c = video_stream();
  c.sframe_context_id = kAudioContextId;
  auto tx = MediaSender::create(c).value();
  auto rx = MediaReceiver::create().value();
  RtpPacketBatch batch;
  ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::video, 100, 0, true, 1), keys.alice, batch));
  ASSERT_TRUE(rx.receive_rtp(batch.packet(0)));
  EXPECT_TRUE(drain(rx, keys.bob, now).empty());
  EXPECT_EQ(rx.participant_stats()
                .at({0, MediaKind::video})
                .decryption_failures.at(Errc::protocol_violation),
            1u);
}

TEST(MediaReceiver, RefusesJunkUnknownTypesAndTooManyStreams) {
  ReceiverConfig config;
  config.max_streams = 2;
  auto rx = MediaReceiver::create(config).value();
  EXPECT_EQ(rx.receive_rtp(as_bytes("not rtp")).error().code, Errc::truncated);
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now);
  RtpPacketBatch batch;
  for (std::uint32_t ssrc = 1; ssrc <= 3; ++ssrc) {
    auto tx = MediaSender::create(audio_stream(ssrc)).value();
    ASSERT_TRUE(tx.send_frame(frame_of(MediaKind::audio, 10, 0, true, 1), keys.alice, batch));
    const auto r = rx.receive_rtp(batch.packet(0));
    EXPECT_EQ(r.has_value(), ssrc <= 2);
    if (ssrc == 3) {
      EXPECT_EQ(r.error().code, Errc::limit_exceeded);
    }
  }
  auto c = audio_stream(1);
  c.payload_type = 0;
  auto other = MediaSender::create(c).value();
  ASSERT_TRUE(other.send_frame(frame_of(MediaKind::audio, 10, 0, true, 1), keys.alice, batch));
  EXPECT_EQ(rx.receive_rtp(batch.packet(0)).error().code, Errc::not_found);
  // SSRC 1 is audio; a video packet on it is refused.
  auto v = video_stream(1);
  auto vtx = MediaSender::create(v).value();
  ASSERT_TRUE(vtx.send_frame(frame_of(MediaKind::video, 10, 0, true, 1), keys.alice, batch));
  EXPECT_EQ(rx.receive_rtp(batch.packet(0)).error().code, Errc::invalid_encoding);
  EXPECT_EQ(rx.stats().packets_over_stream_limit, 1u);
  EXPECT_EQ(rx.stats().packets_unknown_type, 1u);
  EXPECT_EQ(rx.stats().packets_invalid, 2u);

  ReceiverConfig bad;
  bad.video_payload_type = bad.audio_payload_type;
  EXPECT_EQ(MediaReceiver::create(bad).error().code, Errc::invalid_argument);
  bad = {};
  bad.video_context_id = bad.audio_context_id;
  EXPECT_EQ(MediaReceiver::create(bad).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace ztm::media
