#include "ztm/sframe/header.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>

namespace ztm::sframe {
namespace {

Bytes encode(KeyId kid, Counter ctr) {
  std::array<std::uint8_t, max_header_size> buf{};
  auto written = Header{kid, ctr}.encode(buf);
  EXPECT_TRUE(written);
  return Bytes(written->begin(), written->end());
}

TEST(SFrameHeader, ShortFormsLiveInTheConfigByte) {
  EXPECT_EQ(encode(0, 0), Bytes({0x00}));
  EXPECT_EQ(encode(7, 7), Bytes({0x77}));
  EXPECT_EQ(encode(5, 2), Bytes({0x52}));
}

TEST(SFrameHeader, ExtendedFormsUseMinimalLength) {
  EXPECT_EQ(encode(0, 8), Bytes({0x08, 0x08}));
  EXPECT_EQ(encode(8, 0), Bytes({0x80, 0x08}));
  EXPECT_EQ(encode(0x100, 0xffff), Bytes({0x99, 0x01, 0x00, 0xff, 0xff}));
  const auto max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(encode(max, max).size(), max_header_size);
  EXPECT_EQ((Header{max, max}.encoded_size()), max_header_size);
}

TEST(SFrameHeader, RoundTripsEveryLengthForm) {
  for (int kid_bytes = 0; kid_bytes <= 8; ++kid_bytes) {
    for (int ctr_bytes = 0; ctr_bytes <= 8; ++ctr_bytes) {
      // The largest value of each length, and the smallest.
      for (bool largest : {false, true}) {
        auto value = [&](int n) -> std::uint64_t {
          if (n == 0) return largest ? 7 : 0;
          if (largest) return n == 8 ? ~0ull : (1ull << (8 * n)) - 1;
          return n == 1 ? 8 : 1ull << (8 * (n - 1));
        };
        const Header h{value(kid_bytes), value(ctr_bytes)};
        const Bytes enc = encode(h.kid, h.ctr);
        EXPECT_EQ(enc.size(), 1u + kid_bytes + ctr_bytes);
        auto dec = decode_header(enc);
        ASSERT_TRUE(dec) << dec.error().what();
        EXPECT_EQ(dec->header, h);
        EXPECT_EQ(dec->size, enc.size());
      }
    }
  }
}

TEST(SFrameHeader, DecodeLeavesTheBodyAlone) {
  const Bytes frame = {0x99, 0x01, 0x00, 0xff, 0xff, 0xaa, 0xbb};
  auto dec = decode_header(frame);
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->size, 5u);
  EXPECT_EQ(dec->header, (Header{0x100, 0xffff}));
}

TEST(SFrameHeader, TruncationIsTyped) {
  EXPECT_EQ(decode_header({}).error().code, Errc::truncated);
  const Bytes full = encode(0x123456, 0x789abc);
  for (std::size_t n = 1; n < full.size(); ++n) {
    auto dec = decode_header(ByteView(full).first(n));
    ASSERT_FALSE(dec) << n;
    EXPECT_EQ(dec.error().code, Errc::truncated) << n;
  }
}

TEST(SFrameHeader, OverLongValuesAreTyped) {
  // KID 5 in an extended one-byte field (belongs in the config byte).
  EXPECT_EQ(decode_header(Bytes{0x80, 0x05}).error().code, Errc::non_minimal_varint);
  // CTR 7 extended.
  EXPECT_EQ(decode_header(Bytes{0x08, 0x07}).error().code, Errc::non_minimal_varint);
  // KID 0x10 in two bytes (leading zero byte).
  EXPECT_EQ(decode_header(Bytes{0x90, 0x00, 0x10}).error().code, Errc::non_minimal_varint);
  // CTR 0xff in eight bytes.
  EXPECT_EQ(decode_header(Bytes{0x0f, 0, 0, 0, 0, 0, 0, 0, 0xff}).error().code,
            Errc::non_minimal_varint);
}

TEST(SFrameHeader, EncodeIntoTooSmallBuffer) {
  std::array<std::uint8_t, 2> buf{};
  auto r = Header{0x1234, 0}.encode(buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::buffer_too_small);
}

}  // namespace
}  // namespace ztm::sframe
