#include "ztm/net/rtcp.h"

#include <gtest/gtest.h>

namespace ztm::net::rtcp {
namespace {

// A compound as a browser sends it: SR with one report block, then a PLI.
const char* kSrPli =
    "81c8000c"          // SR, RC=1, 13 words
    "11111111"          // sender SSRC
    "e8a1b2c3d4e5f607"  // NTP
    "00015f90"          // RTP ts 90000
    "0000000a"
    "00000400"  // 10 packets, 1024 octets
    "22222222"
    "19fffffe"
    "0001ffff"  // block: SSRC, fraction 25, lost -2, ext seq
    "00000020"
    "abcd0000"
    "00010000"  // jitter, LSR, DLSR
    "81ce0002"
    "11111111"
    "33333333";  // PLI

TEST(Rtcp, ParsesSenderReportAndPli) {
  const Bytes d = from_hex(kSrPli).value();
  auto c = Compound::parse(d);
  ASSERT_TRUE(c) << c.error().what();
  ASSERT_EQ(c->packets().size(), 2u);
  auto sr = parse_sender_report(c->packets()[0]);
  ASSERT_TRUE(sr) << sr.error().what();
  EXPECT_EQ(sr->ssrc, 0x11111111u);
  EXPECT_EQ(sr->ntp_timestamp, 0xe8a1b2c3d4e5f607u);
  EXPECT_EQ(sr->rtp_timestamp, 90000u);
  EXPECT_EQ(sr->packet_count, 10u);
  EXPECT_EQ(sr->octet_count, 1024u);
  ASSERT_EQ(sr->report_count, 1u);
  const ReportBlock b = sr->report_block(0);
  EXPECT_EQ(b.ssrc, 0x22222222u);
  EXPECT_EQ(b.fraction_lost, 0x19);
  EXPECT_EQ(b.cumulative_lost, -2);
  EXPECT_EQ(b.extended_highest_sequence, 0x0001ffffu);
  EXPECT_EQ(b.jitter, 0x20u);
  EXPECT_EQ(b.last_sr, 0xabcd0000u);
  EXPECT_EQ(b.delay_since_last_sr, 0x10000u);

  const Packet& pli = c->packets()[1];
  EXPECT_TRUE(is_pli(pli));
  EXPECT_TRUE(is_keyframe_request(pli));
  EXPECT_FALSE(is_nack(pli));
  auto fb = parse_feedback(pli);
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->sender_ssrc, 0x11111111u);
  EXPECT_EQ(fb->media_ssrc, 0x33333333u);
  EXPECT_EQ(parse_receiver_report(pli).error().code, Errc::invalid_argument);
}

TEST(Rtcp, NackExpandsPidAndBitmask) {
  // PID 100, BLP 0x8005: 100, 101, 103, 116; PID 0xffff, BLP 1: 65535, 0.
  const Bytes d = from_hex(
                      "81cd0004"
                      "00000001"
                      "00000002"
                      "00648005"
                      "ffff0001")
                      .value();
  auto c = Compound::parse(d);
  ASSERT_TRUE(c);
  ASSERT_TRUE(is_nack(c->packets()[0]));
  auto fb = parse_feedback(c->packets()[0]);
  ASSERT_TRUE(fb);
  std::uint16_t lost[2 * 17];
  auto n = nack_lost(*fb, lost);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 6u);
  EXPECT_EQ(lost[0], 100);
  EXPECT_EQ(lost[1], 101);
  EXPECT_EQ(lost[2], 103);
  EXPECT_EQ(lost[3], 116);
  EXPECT_EQ(lost[4], 65535);
  EXPECT_EQ(lost[5], 0);
  std::uint16_t tiny[4];
  EXPECT_EQ(nack_lost(*fb, tiny).error().code, Errc::buffer_too_small);
}

TEST(Rtcp, WriteNackPacksAndRoundTrips) {
  const std::uint16_t lost[] = {65530, 65531, 65535, 4, 30};
  std::uint8_t buf[64];
  auto w = write_nack(7, 8, lost, buf);
  ASSERT_TRUE(w);
  // 65530 + bits for 65531 (bit 0), 65535 (bit 4), 4 (bit 9) ; then 30 alone.
  EXPECT_EQ(to_hex(*w),
            "81cd0004"
            "00000007"
            "00000008"
            "fffa0211"
            "001e0000");
  auto c = Compound::parse(*w);
  ASSERT_TRUE(c);
  std::uint16_t out[2 * 17];
  auto n = nack_lost(parse_feedback(c->packets()[0]).value(), out);
  ASSERT_EQ(n.value(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(out[i], lost[i]);
}

TEST(Rtcp, FirRoundTrip) {
  const FirEntry entries[] = {{0xAAAAAAAA, 3}, {0xBBBBBBBB, 200}};
  std::uint8_t buf[64];
  auto w = write_fir(0x01020304, entries, buf);
  ASSERT_TRUE(w);
  EXPECT_EQ(to_hex(w->first(12)),
            "84ce0006"
            "01020304"
            "00000000");
  auto c = Compound::parse(*w);
  ASSERT_TRUE(c);
  EXPECT_TRUE(is_fir(c->packets()[0]));
  EXPECT_TRUE(is_keyframe_request(c->packets()[0]));
  auto fb = parse_feedback(c->packets()[0]).value();
  EXPECT_EQ(fir_entry(fb, 1)->ssrc, 0xBBBBBBBBu);
  EXPECT_EQ(fir_entry(fb, 1)->sequence_number, 200);
  EXPECT_EQ(fir_entry(fb, 2).error().code, Errc::invalid_argument);
}

TEST(Rtcp, PliBytes) {
  std::uint8_t buf[12];
  EXPECT_EQ(to_hex(write_pli(1, 2, buf).value()),
            "81ce0002"
            "00000001"
            "00000002");
  std::uint8_t small[11];
  EXPECT_EQ(write_pli(1, 2, small).error().code, Errc::buffer_too_small);
}

TEST(Rtcp, RembRoundTrip) {
  const std::uint32_t ssrcs[] = {0x10, 0x20};
  std::uint8_t buf[64];
  auto w = write_remb(9, 1'500'000, ssrcs, buf);
  ASSERT_TRUE(w);
  auto c = Compound::parse(*w);
  ASSERT_TRUE(c);
  ASSERT_TRUE(is_remb(c->packets()[0]));
  auto r = parse_remb(c->packets()[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sender_ssrc, 9u);
  // 1 500 000 needs exponent 3: 187500 << 3 is exact.
  EXPECT_EQ(r->bitrate_bps, 1'500'000u);
  ASSERT_EQ(r->ssrc_count, 2u);
  EXPECT_EQ(r->ssrcs[1], 0x20u);
}

TEST(Rtcp, ReceiverReportRoundTrip) {
  ReportBlock b;
  b.ssrc = 5;
  b.fraction_lost = 1;
  b.cumulative_lost = -1;
  b.extended_highest_sequence = 70000;
  std::uint8_t buf[64];
  auto w = write_receiver_report(4, std::span<const ReportBlock>(&b, 1), buf);
  ASSERT_TRUE(w);
  auto c = Compound::parse(*w);
  ASSERT_TRUE(c);
  auto rr = parse_receiver_report(c->packets()[0]);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->ssrc, 4u);
  ASSERT_EQ(rr->report_count, 1u);
  EXPECT_EQ(rr->report_block(0).cumulative_lost, -1);
  EXPECT_EQ(rr->report_block(0).extended_highest_sequence, 70000u);
}

TEST(Rtcp, RejectsMalformedCompounds) {
  EXPECT_EQ(Compound::parse({}).error().code, Errc::truncated);
  EXPECT_EQ(Compound::parse(from_hex("81ce0003"
                                     "11111111"
                                     "33333333")
                                .value())
                .error()
                .code,
            Errc::truncated);  // length says 16 bytes
  EXPECT_EQ(Compound::parse(from_hex("41ce0002"
                                     "11111111"
                                     "33333333")
                                .value())
                .error()
                .code,
            Errc::invalid_encoding);  // version 1
  // Padding on the first of two packets.
  EXPECT_EQ(Compound::parse(from_hex("a1ce0002"
                                     "11111111"
                                     "33333304"
                                     "81ce0002"
                                     "11111111"
                                     "33333333")
                                .value())
                .error()
                .code,
            Errc::invalid_encoding);
  // SR claiming a report block it does not have.
  auto c = Compound::parse(from_hex("81c80006"
                                    "11111111"
                                    "0000000000000000"
                                    "00000000"
                                    "00000000"
                                    "00000000")
                               .value());
  ASSERT_TRUE(c);
  EXPECT_EQ(parse_sender_report(c->packets()[0]).error().code, Errc::truncated);
}

TEST(Rtcp, PacketCountIsBounded) {
  Bytes d;
  for (std::size_t i = 0; i <= kMaxPackets; ++i) append(d, from_hex("80cb0000").value());  // BYE
  EXPECT_EQ(Compound::parse(d).error().code, Errc::limit_exceeded);
}

TEST(Rtcp, PaddingOnLastPacketIsStripped) {
  auto c = Compound::parse(from_hex("a1ce0003"
                                    "11111111"
                                    "33333333"
                                    "00000004")
                               .value());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->packets()[0].body.size(), 8u);
  EXPECT_TRUE(is_pli(c->packets()[0]));
}

}  // namespace
}  // namespace ztm::net::rtcp
