#include "ztm/net/rtp.h"

#include <gtest/gtest.h>

namespace ztm::net::rtp {
namespace {

TEST(Rtp, ParsesOneByteExtensionsByHand) {
  // V=2 X=1 CC=1, M=1 PT=111, seq 0x1234, ts 0xdeadbeef, SSRC 0x11223344,
  // CSRC 0x55667788, 0xBEDE block of 2 words: ID 1 (1 byte AA), ID 3 (2 bytes BBCC),
  // one padding byte, then payload "hi".
  const Bytes d = from_hex(
                      "91ef1234deadbeef1122334455667788"
                      "bede0002"
                      "10aa"
                      "31bbcc"
                      "000000"
                      "6869")
                      .value();
  auto p = PacketView::parse(d);
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payload_type(), 111);
  EXPECT_EQ(p->sequence_number(), 0x1234);
  EXPECT_EQ(p->timestamp(), 0xdeadbeefu);
  EXPECT_EQ(p->ssrc(), 0x11223344u);
  ASSERT_EQ(p->csrcs().size(), 1u);
  EXPECT_EQ(p->csrcs()[0], 0x55667788u);
  EXPECT_EQ(p->extension_profile(), kOneByteProfile);
  ASSERT_EQ(p->extensions().size(), 2u);
  EXPECT_EQ(to_hex(*p->find_extension(1)), "aa");
  EXPECT_EQ(to_hex(*p->find_extension(3)), "bbcc");
  EXPECT_FALSE(p->find_extension(2));
  EXPECT_EQ(to_hex(p->payload()), "6869");
  EXPECT_EQ(p->header().size(), 12u + 4u + 4u + 8u);
}

TEST(Rtp, ParsesTwoByteExtensionsAndPadding) {
  // 0x1000 block of 2 words: ID 20 len 0, ID 2 len 3 (010203), padding 0; payload
  // "ab" followed by 2 bytes of RTP padding (last byte = 2).
  const Bytes d = from_hex(
                      "b0601000000000010000000a"
                      "10000002"
                      "1400"
                      "0203010203"
                      "00"
                      "61620002")
                      .value();
  auto p = PacketView::parse(d);
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_FALSE(p->marker());
  EXPECT_EQ(p->payload_type(), 96);
  ASSERT_EQ(p->extensions().size(), 2u);
  EXPECT_EQ(p->extensions()[0].id, 20);
  EXPECT_TRUE(p->extensions()[0].data.empty());
  EXPECT_EQ(to_hex(*p->find_extension(2)), "010203");
  EXPECT_EQ(p->padding_size(), 2u);
  EXPECT_EQ(to_hex(p->payload()), "6162");
}

TEST(Rtp, WriteThenParseRoundTrip) {
  const std::uint32_t csrcs[] = {1, 2, 3};
  const std::uint8_t small[] = {9};
  const std::uint8_t big[20] = {7};
  for (bool two_byte : {false, true}) {
    const Extension one_byte_ok[] = {{5, small}, {14, small}};
    const Extension needs_two[] = {{5, small}, {15, big}};
    Header h;
    h.marker = true;
    h.payload_type = 100;
    h.sequence_number = 65535;
    h.timestamp = 90000;
    h.ssrc = 0xCAFEBABE;
    h.csrcs = csrcs;
    h.extensions = two_byte ? std::span<const Extension>(needs_two) : one_byte_ok;
    std::uint8_t buf[128];
    auto written = write_header(h, buf);
    ASSERT_TRUE(written) << written.error().what();
    EXPECT_EQ(written->size(), header_size(h).value());
    EXPECT_EQ(written->size() % 4, 0u);
    const std::uint8_t payload[] = {0xde, 0xad};
    std::copy(std::begin(payload), std::end(payload), buf + written->size());
    auto p = PacketView::parse(ByteView(buf, written->size() + 2));
    ASSERT_TRUE(p) << p.error().what();
    EXPECT_EQ(p->extension_profile(), two_byte ? kTwoByteProfile : kOneByteProfile);
    EXPECT_EQ(p->sequence_number(), 65535);
    EXPECT_EQ(p->ssrc(), 0xCAFEBABEu);
    EXPECT_EQ(p->csrcs().size(), 3u);
    EXPECT_EQ(p->extensions().size(), 2u);
    EXPECT_EQ(to_hex(*p->find_extension(5)), "09");
    EXPECT_EQ(to_hex(p->payload()), "dead");
    if (two_byte) {
      EXPECT_EQ(p->find_extension(15)->size(), 20u);
    }
  }
}

TEST(Rtp, WriteWithoutExtensionsIsTwelveBytes) {
  Header h;
  h.payload_type = 0;
  std::uint8_t buf[12];
  auto w = write_header(h, buf);
  ASSERT_TRUE(w);
  EXPECT_EQ(to_hex(*w), "800000000000000000000000");
  std::uint8_t small[11];
  EXPECT_EQ(write_header(h, small).error().code, Errc::buffer_too_small);
  h.payload_type = 128;
  EXPECT_EQ(write_header(h, buf).error().code, Errc::invalid_argument);
}

TEST(Rtp, RejectsMalformed) {
  EXPECT_EQ(PacketView::parse(from_hex("8060000100000001000000").value()).error().code,
            Errc::truncated);
  EXPECT_EQ(PacketView::parse(from_hex("406000010000000100000001").value()).error().code,
            Errc::invalid_encoding);  // version 1
  EXPECT_EQ(PacketView::parse(from_hex("816000010000000100000001").value()).error().code,
            Errc::truncated);  // CC=1 with no CSRC
  EXPECT_EQ(PacketView::parse(from_hex("906000010000000100000001bede0002").value()).error().code,
            Errc::truncated);  // extension block runs out
  // One-byte element whose length runs past the block.
  EXPECT_EQ(
      PacketView::parse(from_hex("906000010000000100000001bede000113aabbcc").value()).error().code,
      Errc::truncated);
  // Padding count larger than the packet.
  EXPECT_EQ(PacketView::parse(from_hex("a06000010000000100000001ff").value()).error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(PacketView::parse(from_hex("a0600001000000010000000100").value()).error().code,
            Errc::invalid_encoding);
}

TEST(Rtp, OneByteId15StopsParsing) {
  auto p = PacketView::parse(from_hex("906000010000000100000001bede0002"
                                      "10aa"
                                      "f0"
                                      "20bb00"
                                      "0000")
                                 .value());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extensions().size(), 1u);
}

TEST(Rtp, ExtensionCountIsBounded) {
  Bytes d = from_hex("906000010000000100000001bede0009").value();
  for (int i = 0; i < 18; ++i) {
    d.push_back(0x10);
    d.push_back(0x00);
  }
  EXPECT_EQ(PacketView::parse(d).error().code, Errc::limit_exceeded);
}

TEST(SequenceUnwrapper, KeepsCountingAcrossWrap) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(65534), 65534);
  EXPECT_EQ(u.unwrap(65535), 65535);
  EXPECT_EQ(u.unwrap(0), 65536);
  EXPECT_EQ(u.unwrap(5), 65541);
  EXPECT_EQ(u.unwrap(65535), 65535);  // late packet from before the wrap
  EXPECT_EQ(u.peek(1), 65537);
  EXPECT_EQ(u.unwrap(1), 65537);
  // A long forward run through several wraps.
  std::int64_t last = 65537;
  std::uint16_t s = 1;
  for (int i = 0; i < 200000; ++i) {
    s = static_cast<std::uint16_t>(s + 7);
    const auto v = u.unwrap(s);
    ASSERT_EQ(v, last + 7);
    last = v;
  }
}

TEST(SequenceUnwrapper, NeverNegative) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(3), 3);
  EXPECT_GE(u.unwrap(65530), 0);
}

}  // namespace
}  // namespace ztm::net::rtp
