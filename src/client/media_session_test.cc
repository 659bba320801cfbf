// The client's media pipelines without a network: what one member's MediaSession
// sends, another's decrypts byte for byte under the same epoch, records and logs;
// under an epoch it does not hold, nothing decrypts.
#include <gtest/gtest.h>

#include "internal/media_session.h"
#include "ztm/crypto/random.h"
#include "ztm/media/frame_log.h"
#include "ztm_test/process.h"

namespace ztm::client::internal {
namespace {

using Clock = std::chrono::steady_clock;

sframe::MlsContext keys_for(std::uint32_t own_leaf, const SecretBytes& epoch_secret,
                            std::uint64_t epoch, Clock::time_point now) {
  auto keys = sframe::MlsContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128).value();
  EXPECT_TRUE(keys.add_epoch(epoch, epoch_secret, 2, own_leaf, now).has_value());
  return keys;
}

ztm::media::FrameLog parse(const std::filesystem::path& file) {
  auto text = ztm_test::read_text(file);
  return ztm::media::FrameLog::parse(text).value();
}

TEST(MediaSession, WhatOneSendsTheOtherDecryptsRecordsAndLogsIdentically) {
  ztm_test::TempDir dir("ztm-media-session");
  const auto now = Clock::now();
  MediaOptions options;
  options.video = true;
  options.width = 160;
  options.height = 120;
  auto alice = MediaSession::create(options, dir.path() / "alice", now).value();
  auto bob = MediaSession::create({}, dir.path() / "bob", now).value();
  const auto secret = crypto::random_secret(16);
  auto alice_keys = keys_for(0, secret, 1, now);
  auto bob_keys = keys_for(1, secret, 1, now);

  std::vector<Bytes> wire;
  auto to_wire = [&](ByteView p) {
    wire.emplace_back(p.begin(), p.end());
    return true;
  };
  // One simulated second: 50 audio frames and 15 video frames.
  for (int ms = 0; ms <= 1000; ms += 10) {
    alice->send_due(now + std::chrono::milliseconds(ms), alice_keys, 0u, to_wire);
  }
  for (const auto& p : wire) bob->receive_rtp(p, bob_keys, now);
  EXPECT_GE(alice->audio_sent().frames, 50u);
  EXPECT_GE(alice->video_sent().frames, 15u);
  EXPECT_EQ(bob->received(0, ztm::media::MediaKind::audio).frames, alice->audio_sent().frames);
  EXPECT_EQ(bob->received(0, ztm::media::MediaKind::video).frames, alice->video_sent().frames);
  EXPECT_EQ(bob->decrypt_failures_total(), 0u);
  EXPECT_GT(alice->sent_overhead().min, 0u);  // SFrame header + tag on every frame

  auto alice_files = alice->finish().value();
  auto bob_files = bob->finish().value();
  EXPECT_EQ(bob_files.size(), 6u);  // opus, ivf, two frame logs, two epoch logs
  auto cmp = ztm::media::compare(parse(dir.path() / "alice" / "sent.framelog"),
                                 parse(dir.path() / "bob" / "received.framelog"));
  EXPECT_TRUE(cmp.byte_identical());
  EXPECT_EQ(cmp.matched, alice->audio_sent().frames + alice->video_sent().frames);
  EXPECT_EQ(cmp.not_received, 0u);
  EXPECT_NE(ztm_test::read_text(dir.path() / "bob" / "received.epochs").find(" 1\n"),
            std::string::npos);
}

TEST(MediaSession, FramesOfAnEpochWithoutKeysDoNotDecrypt) {
  ztm_test::TempDir dir("ztm-media-session");
  const auto now = Clock::now();
  auto alice = MediaSession::create({}, {}, now).value();
  auto eve = MediaSession::create({}, {}, now).value();
  auto alice_keys = keys_for(0, crypto::random_secret(16), 3, now);
  auto eve_keys = keys_for(1, crypto::random_secret(16), 3, now);  // another group's key
  std::vector<Bytes> wire;
  for (int ms = 0; ms <= 200; ms += 10) {
    alice->send_due(now + std::chrono::milliseconds(ms), alice_keys, 0u, [&](ByteView p) {
      wire.emplace_back(p.begin(), p.end());
      return true;
    });
  }
  for (const auto& p : wire) eve->receive_rtp(p, eve_keys, now);
  EXPECT_GT(alice->audio_sent().frames, 5u);
  EXPECT_EQ(eve->frames_decrypted_total(), 0u);
  EXPECT_EQ(eve->decrypt_failures_total(), alice->audio_sent().frames);
}

TEST(MediaSession, NothingIsSentWithoutTheRightToSend) {
  const auto now = Clock::now();
  auto alice = MediaSession::create({}, {}, now).value();
  auto keys = keys_for(0, crypto::random_secret(16), 1, now);
  int packets = 0;
  for (int ms = 0; ms <= 200; ms += 10) {
    alice->send_due(now + std::chrono::milliseconds(ms), keys, std::nullopt, [&](ByteView) {
      ++packets;
      return true;
    });
  }
  EXPECT_EQ(packets, 0);
  EXPECT_EQ(alice->audio_sent().frames, 0u);
}

}  // namespace
}  // namespace ztm::client::internal
