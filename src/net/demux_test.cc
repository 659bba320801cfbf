#include "ztm/net/demux.h"

#include <gtest/gtest.h>

namespace ztm::net {
namespace {

Bytes datagram(std::uint8_t b0, std::uint8_t b1, std::size_t size) {
  Bytes d(size, 0);
  if (size > 0) d[0] = b0;
  if (size > 1) d[1] = b1;
  return d;
}

TEST(Demux, FirstByteRangesOfRfc7983) {
  EXPECT_EQ(classify(datagram(0, 1, 20)), PacketKind::stun);
  EXPECT_EQ(classify(datagram(3, 1, 20)), PacketKind::stun);
  EXPECT_EQ(classify(datagram(4, 1, 20)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(16, 0, 20)), PacketKind::zrtp);
  EXPECT_EQ(classify(datagram(20, 0xfe, 13)), PacketKind::dtls);
  EXPECT_EQ(classify(datagram(22, 0xfe, 100)), PacketKind::dtls);
  EXPECT_EQ(classify(datagram(63, 0xfe, 13)), PacketKind::dtls);
  EXPECT_EQ(classify(datagram(64, 0, 13)), PacketKind::turn_channel);
  EXPECT_EQ(classify(datagram(79, 0, 13)), PacketKind::turn_channel);
  EXPECT_EQ(classify(datagram(80, 0, 13)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(127, 0, 13)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(0x80, 96, 12)), PacketKind::rtp);
  EXPECT_EQ(classify(datagram(191, 96, 12)), PacketKind::rtp);
  EXPECT_EQ(classify(datagram(192, 96, 12)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(255, 96, 12)), PacketKind::unknown);
}

TEST(Demux, RtcpByPacketTypeOfRfc5761) {
  EXPECT_EQ(classify(datagram(0x80, 200, 8)), PacketKind::rtcp);   // SR
  EXPECT_EQ(classify(datagram(0x81, 206, 12)), PacketKind::rtcp);  // PSFB
  EXPECT_EQ(classify(datagram(0x80, 192, 8)), PacketKind::rtcp);
  EXPECT_EQ(classify(datagram(0x80, 223, 8)), PacketKind::rtcp);
  EXPECT_EQ(classify(datagram(0x80, 224, 12)), PacketKind::rtp);  // PT 96 + marker
  EXPECT_EQ(classify(datagram(0x80, 191, 12)), PacketKind::rtp);
  EXPECT_EQ(classify(datagram(0x80, 0x80 | 111, 12)), PacketKind::rtp);
}

TEST(Demux, TooShortIsUnknown) {
  EXPECT_EQ(classify({}), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(0, 1, 19)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(22, 0, 12)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(0x80, 96, 11)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(0x80, 200, 7)), PacketKind::unknown);
  EXPECT_EQ(classify(datagram(0x80, 0, 1)), PacketKind::unknown);
}

TEST(Demux, KindNames) {
  EXPECT_EQ(packet_kind_name(PacketKind::dtls), "dtls");
  EXPECT_EQ(packet_kind_name(PacketKind::rtcp), "rtcp");
}

}  // namespace
}  // namespace ztm::net
