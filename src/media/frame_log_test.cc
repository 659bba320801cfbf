// FrameLog: hashing, the text form and its strict parser, and the comparison.
#include <gtest/gtest.h>

#include "ztm/media/frame_log.h"

namespace ztm::media {
namespace {

TEST(FrameLog, SerializeParseRoundTripAndKnownDigest) {
  FrameLog log;
  log.record(0, MediaKind::audio, 960, as_bytes("abc"));
  log.record(3, MediaKind::video, 4294967295u, Bytes(1000, 7));
  const std::string text = log.serialize();
  // SHA-256("abc") from FIPS 180-2 Appendix B.1.
  EXPECT_NE(
      text.find("0 audio 960 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"),
      std::string::npos);
  const auto back = FrameLog::parse(text).value();
  EXPECT_EQ(back.records(), log.records());
}

TEST(FrameLog, ParseRefusesMalformedText) {
  const std::string hash(64, 'a');
  auto parse = [](const std::string& s) { return FrameLog::parse(s); };
  EXPECT_TRUE(parse("ztm-framelog 1\n1 audio 2 3 " + hash + "\n"));
  EXPECT_EQ(parse("").error().code, Errc::truncated);
  EXPECT_EQ(parse("ztm-framelog 2\n").error().code, Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n1 audio 2 3 " + hash).error().code, Errc::truncated);
  EXPECT_EQ(parse("ztm-framelog 1\n1 audio 2 " + hash + "\n").error().code, Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n1 audio 2 3 " + hash + " x\n").error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n1 speech 2 3 " + hash + "\n").error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n-1 audio 2 3 " + hash + "\n").error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n01 audio 2 3 " + hash + "\n").error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n1 audio 4294967296 3 " + hash + "\n").error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n1 audio 2 3 " + std::string(64, 'A') + "\n").error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(parse("ztm-framelog 1\n1 audio 2 3 " + std::string(62, 'a') + "\n").error().code,
            Errc::invalid_encoding);
}

TEST(FrameLog, AppendMergesSendersLogs) {
  FrameLog a, b;
  a.record(0, MediaKind::audio, 0, as_bytes("x"));
  b.record(1, MediaKind::video, 0, as_bytes("y"));
  FrameLog all;
  all.append(a);
  all.append(b);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.records()[0], a.records()[0]);
  EXPECT_EQ(all.records()[1], b.records()[0]);
  FrameLog heard;
  heard.record(1, MediaKind::video, 0, as_bytes("y"));
  EXPECT_EQ(compare(all, heard, true).matched, 1u);
  EXPECT_EQ(compare(all, heard, true).not_received, 0u);
}

TEST(FrameLog, CompareCountsMatchesMismatchesAndGaps) {
  FrameLog sent;
  for (std::uint32_t i = 0; i < 5; ++i)
    sent.record(1, MediaKind::audio, 960 * i, Bytes(10, std::uint8_t(i)));
  sent.record(2, MediaKind::video, 0, Bytes(10, 9));

  FrameLog received;
  received.record(1, MediaKind::audio, 0, Bytes(10, 0));
  received.record(1, MediaKind::audio, 960, Bytes(10, 1));
  auto c = compare(sent, received);
  EXPECT_EQ(c.matched, 2u);
  EXPECT_EQ(c.not_received, 4u);
  EXPECT_TRUE(c.byte_identical());
  c = compare(sent, received, /*only_senders_seen=*/true);
  EXPECT_EQ(c.not_received, 3u);  // sender 2's video never heard: not counted

  received.record(1, MediaKind::audio, 1920, Bytes(10, 0xee));  // altered
  received.record(1, MediaKind::video, 1920, Bytes(10, 2));     // never sent as video
  c = compare(sent, received);
  EXPECT_EQ(c.matched, 2u);
  EXPECT_EQ(c.mismatched, 1u);
  EXPECT_EQ(c.unexpected, 1u);
  EXPECT_FALSE(c.byte_identical());
  EXPECT_FALSE(compare(sent, FrameLog{}).byte_identical());
}

}  // namespace
}  // namespace ztm::media
