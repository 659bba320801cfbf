#include "ztm/net/rtx.h"

#include <gtest/gtest.h>

namespace ztm::net::rtx {
namespace {

TEST(Rtx, WrapsAndUnwrapsAPacket) {
  const std::uint8_t dd[] = {0x80, 0x00, 0x07};
  const rtp::Extension ext[] = {{3, dd}};
  rtp::Header h;
  h.marker = true;
  h.payload_type = 96;
  h.sequence_number = 4242;
  h.timestamp = 90000;
  h.ssrc = 0xAAAA;
  h.extensions = ext;
  Bytes original(64);
  const auto header = rtp::write_header(h, original).value();
  const std::uint8_t payload[] = {0x80, 1, 2, 3, 4};
  std::copy(std::begin(payload), std::end(payload), original.begin() + header.size());
  original.resize(header.size() + sizeof payload);
  const auto view = rtp::PacketView::parse(original).value();

  Bytes out(128);
  auto written = write_packet(view, {0xBBBB, 97}, 7, out);
  ASSERT_TRUE(written) << written.error().what();
  auto rtx_view = rtp::PacketView::parse(*written).value();
  EXPECT_EQ(rtx_view.ssrc(), 0xBBBBu);
  EXPECT_EQ(rtx_view.payload_type(), 97);
  EXPECT_EQ(rtx_view.sequence_number(), 7);
  EXPECT_EQ(rtx_view.timestamp(), 90000u);
  EXPECT_TRUE(rtx_view.marker());
  EXPECT_EQ(to_hex(*rtx_view.find_extension(3)), "800007");
  // RFC 4588 §4: the OSN comes first in the payload, network order.
  EXPECT_EQ(to_hex(rtx_view.payload().first(2)), "1092");

  auto recovered = read_packet(rtx_view);
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->original_sequence_number, 4242);
  EXPECT_TRUE(equal(recovered->payload, payload));

  std::uint8_t small[20];
  EXPECT_EQ(write_packet(view, {1, 97}, 1, small).error().code, Errc::buffer_too_small);
}

TEST(Rtx, RejectsAPayloadWithoutOsn) {
  const Bytes bare = from_hex(
                         "806100010000000100000002"
                         "ff")
                         .value();
  EXPECT_EQ(read_packet(rtp::PacketView::parse(bare).value()).error().code, Errc::truncated);
}

}  // namespace
}  // namespace ztm::net::rtx
