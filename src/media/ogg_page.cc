// Ogg pages (RFC 3533 §6) and the two Opus header packets (RFC 7845 §5).
#include <array>
#include <string_view>

#include "internal/le.h"
#include "ztm/media/ogg_opus.h"

namespace ztm::media {

namespace {

using internal::put_le;
using internal::Reader;

constexpr std::string_view kOpusHeadMagic = "OpusHead";
constexpr std::string_view kOpusTagsMagic = "OpusTags";
constexpr std::size_t kOggHeaderSize = 27;

// RFC 3533 §6 ("CRC_checksum"): a 32-bit CRC, generator polynomial 0x04c11db7,
// initial value 0, no reflection and no final XOR, over the whole page with the CRC
// field set to zero. This is libogg's checksum, not zlib's CRC-32.
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t r = i << 24;
    for (int b = 0; b < 8; ++b) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
    table[i] = r;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

std::uint32_t crc_update(std::uint32_t crc, ByteView data) {
  for (std::uint8_t b : data) crc = (crc << 8) ^ kCrcTable[((crc >> 24) ^ b) & 0xff];
  return crc;
}

bool starts_with(ByteView data, std::string_view magic) {
  return data.size() >= magic.size() && equal(data.first(magic.size()), as_bytes(magic));
}

}  // namespace

Result<OggPage> parse_ogg_page(ByteView data) {
  if (data.size() < kOggHeaderSize) return fail(Errc::truncated, "ogg.page: header truncated");
  if (!starts_with(data, "OggS"))
    return fail(Errc::invalid_encoding, "ogg.page: no capture pattern");
  Reader r(data.subspan(4));
  ZTM_TRY_ASSIGN(const auto version, r.le(1, "ogg.page.version"));
  if (version != 0)
    return fail(Errc::invalid_encoding, "ogg.page: stream_structure_version is not 0");
  OggPage page;
  ZTM_TRY_ASSIGN(const auto header_type, r.le(1, "ogg.page.header_type"));
  if ((header_type & ~0x07u) != 0)
    return fail(Errc::invalid_encoding, "ogg.page: unknown header_type bits");
  page.header_type = static_cast<std::uint8_t>(header_type);
  ZTM_TRY_ASSIGN(page.granule_position, r.le(8, "ogg.page.granule_position"));
  ZTM_TRY_ASSIGN(const auto serial, r.le(4, "ogg.page.serial"));
  ZTM_TRY_ASSIGN(const auto sequence, r.le(4, "ogg.page.sequence"));
  ZTM_TRY_ASSIGN(const auto crc, r.le(4, "ogg.page.crc"));
  ZTM_TRY_ASSIGN(const auto segments, r.le(1, "ogg.page.number_page_segments"));
  page.serial = static_cast<std::uint32_t>(serial);
  page.sequence = static_cast<std::uint32_t>(sequence);
  if (data.size() < kOggHeaderSize + segments)
    return fail(Errc::truncated, "ogg.page: segment table truncated");
  page.segment_table = data.subspan(kOggHeaderSize, segments);
  std::size_t body_size = 0;
  for (std::uint8_t lacing : page.segment_table) body_size += lacing;
  const std::size_t size = kOggHeaderSize + segments + body_size;
  if (data.size() < size) return fail(Errc::truncated, "ogg.page: body truncated");
  page.body = data.subspan(kOggHeaderSize + segments, body_size);
  page.size = size;
  // The CRC covers the page with its own field (bytes 22..25) read as zero.
  constexpr std::uint8_t kZero[4] = {0, 0, 0, 0};
  std::uint32_t computed = crc_update(0, data.first(22));
  computed = crc_update(computed, kZero);
  computed = crc_update(computed, data.subspan(26, size - 26));
  if (computed != crc) return fail(Errc::invalid_encoding, "ogg.crc: page checksum mismatch");
  return page;
}

Bytes OpusHead::serialize() const {
  Bytes out;
  append(out, as_bytes(kOpusHeadMagic));
  put_le(out, version, 1);
  put_le(out, channel_count, 1);
  put_le(out, pre_skip, 2);
  put_le(out, input_sample_rate, 4);
  put_le(out, static_cast<std::uint16_t>(output_gain), 2);
  put_le(out, mapping_family, 1);
  if (mapping_family != 0) {
    put_le(out, stream_count, 1);
    put_le(out, coupled_count, 1);
    append(out, channel_mapping);
  }
  return out;
}

Result<OpusHead> OpusHead::parse(ByteView packet) {
  if (!starts_with(packet, kOpusHeadMagic))
    return fail(Errc::invalid_encoding, "opus.head: no OpusHead magic");
  Reader r(packet.subspan(kOpusHeadMagic.size()));
  OpusHead h;
  ZTM_TRY_ASSIGN(const auto version, r.le(1, "opus.head.version"));
  // §5.1: the upper four bits are the major version; only 0 is defined.
  if ((version & 0xf0) != 0) return fail(Errc::unsupported, "opus.head: major version is not 0");
  h.version = static_cast<std::uint8_t>(version);
  ZTM_TRY_ASSIGN(const auto channels, r.le(1, "opus.head.channel_count"));
  if (channels == 0) return fail(Errc::invalid_encoding, "opus.head: channel count 0");
  h.channel_count = static_cast<std::uint8_t>(channels);
  ZTM_TRY_ASSIGN(const auto pre_skip, r.le(2, "opus.head.pre_skip"));
  h.pre_skip = static_cast<std::uint16_t>(pre_skip);
  ZTM_TRY_ASSIGN(const auto rate, r.le(4, "opus.head.input_sample_rate"));
  h.input_sample_rate = static_cast<std::uint32_t>(rate);
  ZTM_TRY_ASSIGN(const auto gain, r.le(2, "opus.head.output_gain"));
  h.output_gain = static_cast<std::int16_t>(static_cast<std::uint16_t>(gain));
  ZTM_TRY_ASSIGN(const auto family, r.le(1, "opus.head.mapping_family"));
  h.mapping_family = static_cast<std::uint8_t>(family);
  if (family == 0) {
    // §5.1.1.1: mono or stereo, no table.
    if (channels > 2)
      return fail(Errc::invalid_encoding, "opus.head: family 0 with more than 2 channels");
    h.stream_count = 1;
    h.coupled_count = static_cast<std::uint8_t>(channels - 1);
  } else if (family == 1 || family == 255) {
    // §5.1.1.2 (Vorbis order, up to 8 channels) and §5.1.1.4 (undefined order).
    if (family == 1 && channels > 8)
      return fail(Errc::invalid_encoding, "opus.head: family 1 with over 8 channels");
    ZTM_TRY_ASSIGN(const auto streams, r.le(1, "opus.head.stream_count"));
    ZTM_TRY_ASSIGN(const auto coupled, r.le(1, "opus.head.coupled_count"));
    // §5.1.1: N ≥ 1, M ≤ N, and M + N ≤ 255 (the decoder has M + N outputs).
    if (streams == 0 || coupled > streams || streams + coupled > 255) {
      return fail(Errc::invalid_encoding, "opus.head: stream counts out of range");
    }
    h.stream_count = static_cast<std::uint8_t>(streams);
    h.coupled_count = static_cast<std::uint8_t>(coupled);
    ZTM_TRY_ASSIGN(const auto table, r.bytes(channels, "opus.head.channel_mapping"));
    for (std::uint8_t index : table) {
      // 255 is a silent channel; anything else names one of the M + N decoded channels.
      if (index != 255 && index >= streams + coupled) {
        return fail(Errc::invalid_encoding, "opus.head: channel mapping index out of range");
      }
    }
    h.channel_mapping.assign(table.begin(), table.end());
  } else {
    return fail(Errc::unsupported, "opus.head: channel mapping family " + std::to_string(family));
  }
  if (r.remaining() != 0 && h.version == 1)
    return fail(Errc::trailing_data, "opus.head: bytes after the header");
  return h;
}

Bytes OpusTags::serialize() const {
  Bytes out;
  append(out, as_bytes(kOpusTagsMagic));
  put_le(out, vendor.size(), 4);
  append(out, as_bytes(vendor));
  put_le(out, comments.size(), 4);
  for (const auto& c : comments) {
    put_le(out, c.size(), 4);
    append(out, as_bytes(c));
  }
  return out;
}

Result<OpusTags> OpusTags::parse(ByteView packet) {
  if (packet.size() > kOpusTagsMaxSize)
    return fail(Errc::limit_exceeded, "opus.tags: over kOpusTagsMaxSize");
  if (!starts_with(packet, kOpusTagsMagic))
    return fail(Errc::invalid_encoding, "opus.tags: no OpusTags magic");
  Reader r(packet.subspan(kOpusTagsMagic.size()));
  OpusTags t;
  ZTM_TRY_ASSIGN(const auto vendor_size, r.le(4, "opus.tags.vendor_length"));
  ZTM_TRY_ASSIGN(const auto vendor, r.bytes(vendor_size, "opus.tags.vendor"));
  t.vendor.assign(vendor.begin(), vendor.end());
  ZTM_TRY_ASSIGN(const auto count, r.le(4, "opus.tags.comment_count"));
  if (count > kOpusTagsMaxComments)
    return fail(Errc::limit_exceeded, "opus.tags: too many comments");
  for (std::uint64_t i = 0; i < count; ++i) {
    ZTM_TRY_ASSIGN(const auto size, r.le(4, "opus.tags.comment_length"));
    ZTM_TRY_ASSIGN(const auto comment, r.bytes(size, "opus.tags.comment"));
    t.comments.emplace_back(comment.begin(), comment.end());
  }
  return t;
}

}  // namespace ztm::media
