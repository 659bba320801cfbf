// Ogg Opus: headers, pages, the libogg writer read back by our strict reader, and
// every way the reader refuses a file.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "internal/test_support.h"
#include "ztm/media/ogg_opus.h"
#include "ztm/media/opus.h"

namespace ztm::media {
namespace {

// A CRC of our own in the test (same definition as RFC 3533 §6) to forge pages.
std::uint32_t ogg_crc(ByteView data) {
  std::uint32_t crc = 0;
  for (std::uint8_t b : data) {
    crc ^= std::uint32_t{b} << 24;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
  }
  return crc;
}

void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// make_page builds one page holding whole packets (each under 255 × 255 bytes).
Bytes make_page(std::uint8_t header_type, std::uint64_t granule, std::uint32_t serial,
                std::uint32_t sequence, const std::vector<Bytes>& packets) {
  Bytes lacing;
  Bytes body;
  for (const auto& p : packets) {
    std::size_t n = p.size();
    while (n >= 255) {
      lacing.push_back(255);
      n -= 255;
    }
    lacing.push_back(static_cast<std::uint8_t>(n));
    append(body, p);
  }
  Bytes page = {'O', 'g', 'g', 'S', 0, header_type};
  for (int i = 0; i < 8; ++i) page.push_back(static_cast<std::uint8_t>(granule >> (8 * i)));
  page.resize(page.size() + 12);
  put32(page, 14, serial);
  put32(page, 18, sequence);
  page.push_back(static_cast<std::uint8_t>(lacing.size()));
  append(page, lacing);
  append(page, body);
  put32(page, 22, ogg_crc(page));
  return page;
}

std::vector<Bytes> tone_packets(int n) {
  auto source = OpusToneSource::create({}).value();
  std::vector<Bytes> out;
  EncodedFrame f;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(source->next(f).value());
    out.push_back(f.data);
  }
  return out;
}

Bytes write_file_with(const std::vector<Bytes>& packets, std::uint32_t serial = 1) {
  auto w = OggOpusWriter::create(OpusHead{}, OpusTags{}, serial).value();
  for (const auto& p : packets) EXPECT_TRUE(w.write_packet(p));
  EXPECT_TRUE(w.finish());
  return w.take_output();
}

TEST(OpusHead, RoundTripsFamiliesZeroAndOne) {
  OpusHead h;
  h.channel_count = 2;
  h.coupled_count = 1;
  h.pre_skip = 3840;
  h.output_gain = -256;
  EXPECT_EQ(h.serialize().size(), 19u);
  EXPECT_EQ(OpusHead::parse(h.serialize()).value(), h);

  OpusHead surround;
  surround.channel_count = 3;
  surround.mapping_family = 1;
  surround.stream_count = 2;
  surround.coupled_count = 1;
  surround.channel_mapping = {0, 2, 1};
  EXPECT_EQ(OpusHead::parse(surround.serialize()).value(), surround);
}

TEST(OpusHead, RejectsMalformedHeaders) {
  const Bytes good = OpusHead{}.serialize();
  auto with = [&](std::size_t at, std::uint8_t v) {
    Bytes b = good;
    b[at] = v;
    return b;
  };
  EXPECT_EQ(OpusHead::parse(with(0, 'X')).error().code, Errc::invalid_encoding);  // magic
  EXPECT_EQ(OpusHead::parse(with(8, 0x10)).error().code, Errc::unsupported);      // major version 1
  EXPECT_EQ(OpusHead::parse(with(9, 0)).error().code, Errc::invalid_encoding);    // no channels
  EXPECT_EQ(OpusHead::parse(with(9, 3)).error().code, Errc::invalid_encoding);    // family 0, 3 ch
  EXPECT_EQ(OpusHead::parse(with(18, 2)).error().code, Errc::unsupported);        // family 2
  EXPECT_EQ(OpusHead::parse(ByteView(good).first(12)).error().code, Errc::truncated);
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(OpusHead::parse(trailing).error().code, Errc::trailing_data);
  // Family 1: a mapping index beyond the decoded channels, and coupled > streams.
  OpusHead f1;
  f1.channel_count = 2;
  f1.mapping_family = 1;
  f1.stream_count = 1;
  f1.coupled_count = 1;
  f1.channel_mapping = {0, 2};
  EXPECT_EQ(OpusHead::parse(f1.serialize()).error().code, Errc::invalid_encoding);
  f1.stream_count = 1;
  f1.coupled_count = 2;
  f1.channel_mapping = {0, 1};
  EXPECT_EQ(OpusHead::parse(f1.serialize()).error().code, Errc::invalid_encoding);
  f1.coupled_count = 1;
  Bytes short_table = f1.serialize();
  short_table.pop_back();
  EXPECT_EQ(OpusHead::parse(short_table).error().code, Errc::truncated);
}

TEST(OpusTags, RoundTripsAndBoundsComments) {
  OpusTags t;
  t.vendor = "libopus 1.3.1";
  t.comments = {"TITLE=tone", "ZTM_SENDER_LEAF=1"};
  const auto back = OpusTags::parse(t.serialize()).value();
  EXPECT_EQ(back.vendor, t.vendor);
  EXPECT_EQ(back.comments, t.comments);

  Bytes huge_count = OpusTags{}.serialize();
  put32(huge_count, 8 + 4 + 6, 0xffffffffu);  // comment count after "OpusTags", len, "ztmeet"
  EXPECT_EQ(OpusTags::parse(huge_count).error().code, Errc::limit_exceeded);
  Bytes long_vendor = OpusTags{}.serialize();
  put32(long_vendor, 8, 1000);
  EXPECT_EQ(OpusTags::parse(long_vendor).error().code, Errc::truncated);
  EXPECT_EQ(OpusTags::parse(as_bytes("OpusHead")).error().code, Errc::invalid_encoding);
}

TEST(OggPage, LiboggPagesPassOurCrcAndDamageIsCaught) {
  const Bytes file = write_file_with(tone_packets(3));
  const auto page = parse_ogg_page(file).value();
  EXPECT_TRUE(page.first_page());
  EXPECT_EQ(page.granule_position, 0u);
  EXPECT_EQ(page.segment_table.size(), 1u);
  EXPECT_EQ(page.body.size(), 19u);

  Bytes damaged = file;
  damaged[page.size - 1] ^= 0x01;
  const auto err = parse_ogg_page(damaged).error();
  EXPECT_EQ(err.code, Errc::invalid_encoding);
  EXPECT_NE(err.message.find("ogg.crc"), std::string::npos);

  EXPECT_EQ(parse_ogg_page(ByteView(file).first(20)).error().code, Errc::truncated);
  EXPECT_EQ(parse_ogg_page(ByteView(file).first(page.size - 1)).error().code, Errc::truncated);
  Bytes version = file;
  version[4] = 1;
  EXPECT_EQ(parse_ogg_page(version).error().code, Errc::invalid_encoding);
  Bytes flags = file;
  flags[5] |= 0x08;
  EXPECT_EQ(parse_ogg_page(flags).error().code, Errc::invalid_encoding);
}

TEST(OggOpus, WriterOutputReadsBackPacketForPacketWithGranules) {
  const auto packets = tone_packets(120);  // 2.4 s: three audio pages at least
  auto w = OggOpusWriter::create(OpusHead{}, OpusTags{}, 77).value();
  Bytes file;
  for (const auto& p : packets) {
    ASSERT_TRUE(w.write_packet(p));
    append(file, w.take_output());  // streamed, as the recorder does
  }
  ASSERT_TRUE(w.finish());
  append(file, w.take_output());
  EXPECT_EQ(w.granule_position(), 120u * 960u);
  EXPECT_EQ(w.write_packet(packets[0]).error().code, Errc::invalid_state);

  auto r = OggOpusReader::open(file).value();
  EXPECT_EQ(r.head(), OpusHead{});
  EXPECT_EQ(r.tags().vendor, "ztmeet");
  std::size_t i = 0;
  std::uint64_t last_granule = 0;
  while (auto p = r.next_packet().value()) {
    ASSERT_LT(i, packets.size());
    EXPECT_TRUE(equal(p->data, packets[i])) << "packet " << i;
    if (p->page_granule_position) {
      // The page's granule counts every sample up to this packet's end.
      EXPECT_EQ(*p->page_granule_position, (i + 1) * 960u);
      last_granule = *p->page_granule_position;
    }
    ++i;
  }
  EXPECT_EQ(i, packets.size());
  EXPECT_EQ(last_granule, 120u * 960u);
  // The last page is EOS.
  std::size_t offset = 0;
  OggPage last;
  while (offset < file.size()) {
    last = parse_ogg_page(ByteView(file).subspan(offset)).value();
    offset += last.size;
  }
  EXPECT_TRUE(last.last_page());
}

TEST(OggOpus, WriterRefusesNonOpusAndBadHeaders) {
  auto w = OggOpusWriter::create(OpusHead{}, OpusTags{}, 1).value();
  EXPECT_EQ(w.write_packet({}).error().code, Errc::invalid_argument);
  const Bytes bad = {0x03, 0x00};
  EXPECT_EQ(w.write_packet(bad).error().code, Errc::invalid_argument);
  OpusHead head;
  head.channel_count = 0;
  EXPECT_FALSE(OggOpusWriter::create(head, OpusTags{}, 1));
}

TEST(OggOpusReader, RefusesDamagedFiles) {
  const auto packets = tone_packets(60);
  const Bytes file = write_file_with(packets);
  auto read_all = [](ByteView f) -> Result<std::size_t> {
    ZTM_TRY_ASSIGN(auto r, OggOpusReader::open(f));
    std::size_t n = 0;
    for (;;) {
      ZTM_TRY_ASSIGN(auto p, r.next_packet());
      if (!p) return n;
      ++n;
    }
  };
  ASSERT_EQ(read_all(file).value(), packets.size());

  // Cut anywhere: truncated (inside a page, or no EOS page).
  EXPECT_EQ(read_all(ByteView(file).first(file.size() - 1)).error().code, Errc::truncated);
  std::vector<std::size_t> page_starts;
  for (std::size_t off = 0; off < file.size();
       off += parse_ogg_page(ByteView(file).subspan(off)).value().size) {
    page_starts.push_back(off);
  }
  ASSERT_GE(page_starts.size(), 4u);
  EXPECT_EQ(read_all(ByteView(file).first(page_starts.back())).error().code, Errc::truncated);
  // Bytes after EOS.
  Bytes trailing = file;
  trailing.push_back(0);
  EXPECT_EQ(read_all(trailing).error().code, Errc::trailing_data);
  // A page missing from the middle: the sequence numbers give it away.
  Bytes gap(file.begin(), file.begin() + static_cast<long>(page_starts[2]));
  gap.insert(gap.end(), file.begin() + static_cast<long>(page_starts[3]), file.end());
  EXPECT_EQ(read_all(gap).error().code, Errc::invalid_encoding);
  // Two logical streams (a chained file).
  Bytes chained = file;
  append(chained, write_file_with(packets, 2));
  EXPECT_EQ(read_all(chained).error().code, Errc::trailing_data);
  // Empty input, and something that is not Ogg.
  EXPECT_EQ(read_all({}).error().code, Errc::truncated);
  EXPECT_EQ(read_all(as_bytes(std::string(64, 'x'))).error().code, Errc::invalid_encoding);
}

TEST(OggOpusReader, RefusesForgedStructure) {
  const Bytes head = OpusHead{}.serialize();
  const Bytes tags = OpusTags{}.serialize();
  const auto audio = tone_packets(2);
  auto file_of = [](std::initializer_list<Bytes> pages) {
    Bytes f;
    for (const auto& p : pages) append(f, p);
    return f;
  };
  auto read_all = [](ByteView f) -> Result<std::size_t> {
    ZTM_TRY_ASSIGN(auto r, OggOpusReader::open(f));
    std::size_t n = 0;
    for (;;) {
      ZTM_TRY_ASSIGN(auto p, r.next_packet());
      if (!p) return n;
      ++n;
    }
  };
  // A well-formed forged file reads (this proves the forger itself).
  EXPECT_EQ(read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(0, 0, 9, 1, {tags}),
                              make_page(4, 1920, 9, 2, audio)}))
                .value(),
            2u);
  // OpusHead sharing its page with OpusTags.
  EXPECT_EQ(
      read_all(file_of({make_page(2, 0, 9, 0, {head, tags}), make_page(4, 960, 9, 1, {audio[0]})}))
          .error()
          .code,
      Errc::invalid_encoding);
  // First page not BOS.
  EXPECT_EQ(read_all(file_of({make_page(0, 0, 9, 0, {head})})).error().code,
            Errc::invalid_encoding);
  // A header page with a granule position.
  EXPECT_EQ(read_all(file_of({make_page(2, 5, 9, 0, {head})})).error().code,
            Errc::invalid_encoding);
  // Audio on the OpusTags page.
  EXPECT_EQ(
      read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(4, 0, 9, 1, {tags, audio[0]})}))
          .error()
          .code,
      Errc::invalid_encoding);
  // Another serial number: a multiplexed stream.
  EXPECT_EQ(read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(0, 0, 10, 1, {tags})}))
                .error()
                .code,
            Errc::unsupported);
  // A continued flag on a page that continues nothing.
  EXPECT_EQ(read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(1, 0, 9, 1, {tags})}))
                .error()
                .code,
            Errc::invalid_encoding);
  // An audio packet that is not Opus, an empty one, and granules going backwards.
  EXPECT_EQ(read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(0, 0, 9, 1, {tags}),
                              make_page(4, 960, 9, 2, {Bytes{0x03, 0x00}})}))
                .error()
                .code,
            Errc::invalid_encoding);
  EXPECT_EQ(read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(0, 0, 9, 1, {tags}),
                              make_page(4, 960, 9, 2, {Bytes{}})}))
                .error()
                .code,
            Errc::invalid_encoding);
  EXPECT_EQ(
      read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(0, 0, 9, 1, {tags}),
                        make_page(0, 1920, 9, 2, {audio[0]}), make_page(4, 960, 9, 3, {audio[1]})}))
          .error()
          .code,
      Errc::invalid_encoding);
  // An audio packet over kOpusMaxPacketSize.
  EXPECT_EQ(read_all(file_of({make_page(2, 0, 9, 0, {head}), make_page(0, 0, 9, 1, {tags}),
                              make_page(4, 960, 9, 2, {Bytes(kOpusMaxPacketSize + 1, 0xfc)})}))
                .error()
                .code,
            Errc::limit_exceeded);
}

TEST(OggOpusFileSource, PlaysPacketsWithTimestamps) {
  const auto packets = tone_packets(10);
  auto source = OggOpusFileSource::create(write_file_with(packets), 500).value();
  EncodedFrame f;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    ASSERT_TRUE(source->next(f).value());
    EXPECT_EQ(f.data, packets[i]);
    EXPECT_EQ(f.rtp_timestamp, 500u + 960u * i);
  }
  EXPECT_FALSE(source->next(f).value());
}

// An independent Ogg Opus tool, if this machine has one, must accept our file.
TEST(OggOpus, ExternalToolAcceptsWrittenFile) {
  std::string tool;
  for (const char* candidate : {"opusinfo", "ffprobe"}) {
    const std::string probe = std::string("command -v ") + candidate + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) {
      tool = candidate;
      break;
    }
  }
  if (tool.empty()) {
    GTEST_SKIP() << "neither opusinfo (Debian opus-tools) nor ffprobe (Debian ffmpeg) is installed";
  }
  test::TempDir dir;
  const std::string path = dir.path() + "/tone.opus";
  ASSERT_TRUE(write_file(path, write_file_with(tone_packets(100))));
  const std::string command = tool == "opusinfo"
                                  ? "opusinfo " + path + " >/dev/null 2>&1"
                                  : "ffprobe -v error -show_streams " + path + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace ztm::media
