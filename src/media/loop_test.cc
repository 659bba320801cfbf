// The whole media path in one process with the real codecs: Alice encodes Opus and
// VP8, protects and packetizes; the packets are shuffled and duplicated; Bob
// reassembles, decrypts, decodes and records to Ogg Opus and IVF files; the files
// are read back and compared frame by frame with what Alice sent, and the FrameLogs
// of both sides agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "internal/test_support.h"
#include "ztm/media/frame_log.h"
#include "ztm/media/ivf.h"
#include "ztm/media/ogg_opus.h"
#include "ztm/media/opus.h"
#include "ztm/media/receiver.h"
#include "ztm/media/recorder.h"
#include "ztm/media/sender.h"
#include "ztm/media/sources.h"
#include "ztm/media/vp8.h"

namespace ztm::media {
namespace {

using test::Clock;

TEST(MediaLoop, OpusAndVp8ArriveByteIdenticalAndRecordedFilesMatch) {
  const auto now = Clock::now();
  auto keys = test::make_member_keys(now, 7);

  OpusToneConfig tone;
  tone.frequency_hz = 523.25;
  tone.first_rtp_timestamp = 123456;
  auto opus = OpusToneSource::create(tone).value();
  Vp8Config vp8;
  vp8.width = 320;
  vp8.height = 180;
  vp8.bitrate_kbps = 400;
  vp8.keyframe_interval_frames = 30;
  vp8.pattern_seed = 1;
  vp8.first_rtp_timestamp = 4000000000u;  // wraps during the test
  auto video = Vp8PatternSource::create(vp8).value();

  StreamConfig audio_cfg;
  audio_cfg.kind = MediaKind::audio;
  audio_cfg.ssrc = 0x1111;
  audio_cfg.payload_type = 111;
  audio_cfg.first_sequence_number = 40000;
  StreamConfig video_cfg;
  video_cfg.kind = MediaKind::video;
  video_cfg.ssrc = 0x2222;
  video_cfg.payload_type = 96;
  video_cfg.sframe_context_id = kVideoContextId;
  video_cfg.dd_extension_id = 4;
  video_cfg.first_sequence_number = 65000;
  video_cfg.width = 320;
  video_cfg.height = 180;
  auto audio_tx = MediaSender::create(audio_cfg).value();
  auto video_tx = MediaSender::create(video_cfg).value();

  // Two seconds: 100 audio frames, 60 video frames (two keyframes at least).
  FrameLog sent_log;
  std::vector<Bytes> sent_audio, sent_video;
  std::vector<Bytes> wire;
  RtpPacketBatch batch;
  EncodedFrame frame;
  std::size_t video_packets = 0;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(opus->next(frame).value());
    sent_log.record(0, MediaKind::audio, frame.rtp_timestamp, frame.data);
    sent_audio.push_back(frame.data);
    ASSERT_TRUE(audio_tx.send_frame(frame, keys.alice, batch));
    for (std::size_t p = 0; p < batch.size(); ++p) wire.push_back(to_bytes(batch.packet(p)));
    if (i % 5 == 1 || i % 5 == 3 || i % 5 == 4) {  // 30 fps against 50 audio frames/s
      ASSERT_TRUE(video->next(frame).value());
      sent_log.record(0, MediaKind::video, frame.rtp_timestamp, frame.data);
      sent_video.push_back(frame.data);
      ASSERT_TRUE(video_tx.send_frame(frame, keys.alice, batch));
      video_packets += batch.size();
      for (std::size_t p = 0; p < batch.size(); ++p) wire.push_back(to_bytes(batch.packet(p)));
    }
  }
  ASSERT_EQ(sent_video.size(), 60u);
  EXPECT_GT(video_packets, sent_video.size());  // keyframes span several packets
  EXPECT_GE(video_tx.stats().keyframes, 2u);

  // The network: reordering within 8 packets (after the first 8, see
  // MediaReceiver.ReordersDeduplicatesAndAttributesToTheKidsLeaf), one packet in seven
  // duplicated.
  std::mt19937 rng(2024);
  for (std::size_t b = 8; b < wire.size(); b += 8) {
    std::shuffle(wire.begin() + static_cast<long>(b),
                 wire.begin() + static_cast<long>(std::min(b + 8, wire.size())), rng);
  }
  std::vector<Bytes> network;
  for (std::size_t i = 0; i < wire.size(); ++i) {
    network.push_back(wire[i]);
    if (i % 7 == 3) network.push_back(wire[i]);
  }

  test::TempDir dir;
  auto rx = MediaReceiver::create().value();
  MediaRecorder recorder(dir.path(), "bob-");
  FrameLog received_log;
  auto opus_decoder = OpusDecoder::create(1).value();
  auto vp8_decoder = Vp8Decoder::create().value();
  std::size_t audio_decoded = 0, video_decoded = 0;
  std::size_t max_overhead = 0;
  for (std::size_t i = 0; i < network.size(); ++i) {
    ASSERT_TRUE(rx.receive_rtp(network[i]));
    while (auto f = rx.pop_frame(keys.bob, now).value()) {
      received_log.record(f->sender, f->kind, f->rtp_timestamp, f->data);
      max_overhead = std::max(max_overhead, f->sframe_overhead);
      ASSERT_TRUE(recorder.add(*f));
      if (f->kind == MediaKind::audio) {
        audio_decoded += opus_decoder.decode(f->data).value() == 960;
      } else {
        ASSERT_TRUE(f->decodable);
        video_decoded += vp8_decoder.decode(f->data).value().width == 320;
      }
    }
    if (i % 50 == 0) {
      ASSERT_TRUE(recorder.flush());  // files grow while the meeting runs
    }
  }
  ASSERT_TRUE(recorder.close());
  EXPECT_EQ(audio_decoded, 100u);
  EXPECT_EQ(video_decoded, 60u);
  // SFrame header (config byte, one-byte KID and CTR) + GCM tag.
  EXPECT_EQ(max_overhead, 3u + 16u);

  // The logs agree frame for frame.
  const auto cmp = compare(sent_log, received_log);
  EXPECT_EQ(cmp.matched, 160u);
  EXPECT_EQ(cmp.not_received, 0u);
  EXPECT_TRUE(cmp.byte_identical());
  // And survive their text form (how the demo compares processes).
  EXPECT_TRUE(compare(FrameLog::parse(sent_log.serialize()).value(),
                      FrameLog::parse(received_log.serialize()).value())
                  .byte_identical());

  // The recorded files, read back with the strict readers.
  const auto paths = recorder.paths();
  ASSERT_EQ(paths.size(), 2u);
  const Bytes ogg = read_file(dir.path() + "/bob-leaf0-audio.opus").value();
  auto ogg_reader = OggOpusReader::open(ogg).value();
  EXPECT_EQ(ogg_reader.head().channel_count, 1);
  std::size_t n = 0;
  while (auto p = ogg_reader.next_packet().value()) {
    ASSERT_LT(n, sent_audio.size());
    EXPECT_TRUE(equal(p->data, sent_audio[n])) << "audio frame " << n;
    ++n;
  }
  EXPECT_EQ(n, sent_audio.size());

  const Bytes ivf = read_file(dir.path() + "/bob-leaf0-video.ivf").value();
  auto ivf_reader = IvfReader::open(ivf).value();
  EXPECT_EQ(ivf_reader.header().width, 320);
  EXPECT_EQ(ivf_reader.header().height, 180);
  EXPECT_EQ(ivf_reader.header().frame_count, 60u);
  n = 0;
  while (auto f = ivf_reader.next_frame().value()) {
    ASSERT_LT(n, sent_video.size());
    EXPECT_TRUE(equal(f->data, sent_video[n])) << "video frame " << n;
    EXPECT_EQ(f->pts, 3000u * n);  // relative to the first frame, across the RTP wrap
    ++n;
  }
  EXPECT_EQ(n, sent_video.size());

  // The recordings play again as sources, e.g. to be sent on by another client.
  auto replay_audio = open_file_source(dir.path() + "/bob-leaf0-audio.opus").value();
  auto replay_video = open_file_source(dir.path() + "/bob-leaf0-video.ivf", 5).value();
  EncodedFrame replayed;
  ASSERT_TRUE(replay_audio->next(replayed).value());
  EXPECT_EQ(replayed.data, sent_audio[0]);
  ASSERT_TRUE(replay_video->next(replayed).value());
  EXPECT_EQ(replayed.data, sent_video[0]);
  EXPECT_TRUE(replayed.keyframe);
  EXPECT_EQ(replayed.rtp_timestamp, 5u);
  EXPECT_EQ(open_file_source(dir.path() + "/x.wav").error().code, Errc::unsupported);
  EXPECT_EQ(open_file_source(dir.path() + "/missing.ivf").error().code, Errc::io_error);

  const auto& stats = rx.participant_stats();
  EXPECT_EQ(stats.at({0, MediaKind::audio}).frames_decrypted, 100u);
  EXPECT_EQ(stats.at({0, MediaKind::video}).frames_decrypted, 60u);
  EXPECT_EQ(stats.at({0, MediaKind::video}).keyframes, video_tx.stats().keyframes);
}

// A receiver that joins mid-stream records from the first keyframe on; the frames
// before it are counted as skipped, not written.
TEST(MediaRecorder, VideoTrackStartsAtTheFirstKeyframe) {
  test::TempDir dir;
  MediaRecorder recorder(dir.path());
  auto source = Vp8PatternSource::create({160, 96, 30, 200, 5, 0, 8, 0}).value();
  EncodedFrame f;
  ASSERT_TRUE(source->next(f).value());  // keyframe 0, "missed"
  std::vector<Bytes> recorded;
  for (int i = 1; i < 12; ++i) {
    ASSERT_TRUE(source->next(f).value());
    ReceivedFrame rf;
    rf.kind = MediaKind::video;
    rf.sender = 4;
    rf.rtp_timestamp = f.rtp_timestamp;
    rf.keyframe = f.keyframe;
    rf.data = f.data;
    ASSERT_TRUE(recorder.add(rf));
    if (!recorded.empty() || f.keyframe) recorded.push_back(f.data);
  }
  ASSERT_TRUE(recorder.close());
  EXPECT_EQ(recorder.frames_skipped(), 4u);  // frames 1..4; frame 5 is a keyframe
  const Bytes ivf = read_file(dir.path() + "/leaf4-video.ivf").value();
  auto reader = IvfReader::open(ivf).value();
  EXPECT_EQ(reader.header().frame_count, recorded.size());
  for (const auto& expected : recorded) {
    auto got = reader.next_frame().value();
    ASSERT_TRUE(got);
    EXPECT_TRUE(equal(got->data, expected));
  }
  EXPECT_EQ(recorder.add(ReceivedFrame{}).error().code, Errc::invalid_state);  // closed
  ReceivedFrame junk;
  junk.kind = MediaKind::audio;
  junk.sender = 9;
  const Bytes not_opus = {0x03, 0x00};
  junk.data = not_opus;
  MediaRecorder second(dir.path(), "x-");
  EXPECT_FALSE(second.add(junk));
}

}  // namespace
}  // namespace ztm::media
