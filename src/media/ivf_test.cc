// IVF: header, writer and strict reader, with every way the reader refuses a file.
#include <gtest/gtest.h>

#include "ztm/media/ivf.h"
#include "ztm/media/vp8.h"

namespace ztm::media {
namespace {

IvfHeader header_640() {
  IvfHeader h;
  h.width = 640;
  h.height = 360;
  return h;
}

TEST(IvfHeader, LayoutIsLibvpxs) {
  const auto bytes = header_640().serialize();
  const Bytes expected = {'D', 'K',  'I',  'F',  0,    0,    32,   0,    'V', 'P', '8',
                          '0', 0x80, 0x02, 0x68, 0x01, 0x90, 0x5f, 0x01, 0,   1,   0,
                          0,   0,    0,    0,    0,    0,    0,    0,    0,   0};
  EXPECT_TRUE(equal(bytes, expected));
  const auto back = IvfHeader::parse(bytes).value();
  EXPECT_EQ(back.width, 640);
  EXPECT_EQ(back.height, 360);
  EXPECT_EQ(back.timebase_den, 90000u);
  EXPECT_EQ(back.timebase_num, 1u);
}

TEST(IvfHeader, RejectsMalformedHeaders) {
  const auto good = header_640().serialize();
  auto with = [&](std::size_t at, std::uint8_t v) {
    Bytes b(good.begin(), good.end());
    b[at] = v;
    return b;
  };
  EXPECT_EQ(IvfHeader::parse(with(0, 'X')).error().code, Errc::invalid_encoding);
  EXPECT_EQ(IvfHeader::parse(with(4, 1)).error().code, Errc::unsupported);  // version
  EXPECT_EQ(IvfHeader::parse(with(6, 40)).error().code, Errc::invalid_encoding);
  EXPECT_EQ(IvfHeader::parse(with(10, '9')).error().code, Errc::unsupported);  // VP90
  Bytes zero_size = with(12, 0);
  zero_size[13] = 0;
  EXPECT_EQ(IvfHeader::parse(zero_size).error().code, Errc::invalid_encoding);
  Bytes zero_rate(good.begin(), good.end());
  std::fill(zero_rate.begin() + 16, zero_rate.begin() + 20, 0);
  EXPECT_EQ(IvfHeader::parse(zero_rate).error().code, Errc::invalid_encoding);
  EXPECT_EQ(IvfHeader::parse(ByteView(good).first(31)).error().code, Errc::truncated);
}

TEST(Ivf, WriterOutputReadsBackFrameForFrame) {
  auto source = Vp8PatternSource::create({160, 96, 30, 200, 30, 0, 8, 0}).value();
  IvfHeader h;
  h.width = 160;
  h.height = 96;
  IvfWriter w(h);
  std::vector<EncodedFrame> sent(12);
  Bytes file;
  for (auto& f : sent) {
    ASSERT_TRUE(source->next(f).value());
    ASSERT_TRUE(w.write_frame(f.data, f.rtp_timestamp));
    append(file, w.take_output());
  }
  EXPECT_EQ(w.frame_count(), 12u);
  const auto final_header = w.header();
  std::copy(final_header.begin(), final_header.end(), file.begin());

  auto r = IvfReader::open(file).value();
  EXPECT_EQ(r.header().frame_count, 12u);
  for (const auto& f : sent) {
    const auto got = r.next_frame().value();
    ASSERT_TRUE(got);
    EXPECT_TRUE(equal(got->data, f.data));
    EXPECT_EQ(got->pts, f.rtp_timestamp);
  }
  EXPECT_FALSE(r.next_frame().value());

  auto replay = IvfFileSource::create(file, 7).value();
  EncodedFrame f;
  for (const auto& s : sent) {
    ASSERT_TRUE(replay->next(f).value());
    EXPECT_EQ(f.data, s.data);
    EXPECT_EQ(f.keyframe, s.keyframe);
    EXPECT_EQ(f.rtp_timestamp, 7 + s.rtp_timestamp);  // the file's clock is already 90 kHz
  }
  EXPECT_FALSE(replay->next(f).value());
}

TEST(IvfWriter, RefusesEmptyAndOversizedFrames) {
  IvfWriter w(header_640());
  EXPECT_EQ(w.write_frame({}, 0).error().code, Errc::invalid_argument);
  EXPECT_EQ(w.write_frame(Bytes(kMaxFrameSize + 1), 0).error().code, Errc::invalid_argument);
}

TEST(IvfReader, RefusesDamagedFrames) {
  IvfWriter w(header_640());
  ASSERT_TRUE(w.write_frame(Bytes(100, 0x10), 0));
  const Bytes file = w.take_output();
  auto first = [](ByteView f) -> Result<std::optional<IvfFrame>> {
    ZTM_TRY_ASSIGN(auto r, IvfReader::open(f));
    return r.next_frame();
  };
  ASSERT_TRUE(first(file).value());
  EXPECT_EQ(first(ByteView(file).first(32 + 5)).error().code, Errc::truncated);  // frame header
  EXPECT_EQ(first(ByteView(file).first(file.size() - 1)).error().code,
            Errc::truncated);  // frame body
  Bytes empty = file;
  std::fill(empty.begin() + 32, empty.begin() + 36, 0);
  EXPECT_EQ(first(empty).error().code, Errc::invalid_encoding);
  Bytes huge = file;
  huge[32 + 3] = 0x7f;  // size 0x7f000064
  EXPECT_EQ(first(huge).error().code, Errc::limit_exceeded);
  Bytes lying = file;
  lying[32] = 0xff;  // 255 bytes claimed, 100 present
  EXPECT_EQ(first(lying).error().code, Errc::truncated);
}

}  // namespace
}  // namespace ztm::media
