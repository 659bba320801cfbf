#include "ztm/net/rtp.h"

#include <algorithm>

#include "internal/be.h"

namespace ztm::net::rtp {

using internal::load16;
using internal::load32;
using internal::store16;
using internal::store32;

namespace {

// parse_one_byte splits an RFC 8285 §4.2 block:
//   |  ID   |  len  |  data (len+1 bytes) ... ; ID 0 is padding, ID 15 ends the block.
Result<std::size_t> parse_one_byte(ByteView block, std::array<Extension, kMaxExtensions>& out) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < block.size()) {
    const std::uint8_t id = block[pos] >> 4;
    const std::size_t len = (block[pos] & 0x0F) + 1u;
    if (id == 0) {  // padding byte; RFC 8285 requires its length nibble to be 0
      if ((block[pos] & 0x0F) != 0) {
        return fail(Errc::invalid_encoding, "rtp: one-byte extension ID 0 with a length");
      }
      ++pos;
      continue;
    }
    if (id == 15) break;  // reserved: stop processing (RFC 8285 §4.2)
    if (len > block.size() - pos - 1) {
      return fail(Errc::truncated, "rtp: one-byte extension element runs past its block");
    }
    if (count == kMaxExtensions) return fail(Errc::limit_exceeded, "rtp: too many extensions");
    out[count++] = Extension{id, block.subspan(pos + 1, len)};
    pos += 1 + len;
  }
  return count;
}

// parse_two_byte splits an RFC 8285 §4.3 block:
//   |       ID      |     length    |  data (length bytes, may be 0) ...
Result<std::size_t> parse_two_byte(ByteView block, std::array<Extension, kMaxExtensions>& out) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < block.size()) {
    const std::uint8_t id = block[pos];
    if (id == 0) {  // padding
      ++pos;
      continue;
    }
    if (block.size() - pos < 2) return fail(Errc::truncated, "rtp: two-byte extension header");
    const std::size_t len = block[pos + 1];
    if (len > block.size() - pos - 2) {
      return fail(Errc::truncated, "rtp: two-byte extension element runs past its block");
    }
    if (count == kMaxExtensions) return fail(Errc::limit_exceeded, "rtp: too many extensions");
    out[count++] = Extension{id, block.subspan(pos + 2, len)};
    pos += 2 + len;
  }
  return count;
}

bool fits_one_byte(std::span<const Extension> extensions) {
  return std::all_of(extensions.begin(), extensions.end(), [](const Extension& e) {
    return e.id >= 1 && e.id <= 14 && !e.data.empty() && e.data.size() <= 16;
  });
}

}  // namespace

Result<PacketView> PacketView::parse(ByteView datagram) {
  if (datagram.size() < kFixedHeaderSize) return fail(Errc::truncated, "rtp: short header");
  const std::uint8_t b0 = datagram[0];
  if ((b0 >> 6) != 2) return fail(Errc::invalid_encoding, "rtp: version is not 2");
  PacketView p;
  p.bytes_ = datagram;
  p.marker_ = (datagram[1] & 0x80) != 0;
  p.payload_type_ = datagram[1] & 0x7F;
  p.sequence_number_ = load16(datagram.data() + 2);
  p.timestamp_ = load32(datagram.data() + 4);
  p.ssrc_ = load32(datagram.data() + 8);
  p.csrc_count_ = b0 & 0x0F;
  std::size_t pos = kFixedHeaderSize;
  if (datagram.size() - pos < 4 * p.csrc_count_) return fail(Errc::truncated, "rtp: CSRC list");
  for (std::size_t i = 0; i < p.csrc_count_; ++i)
    p.csrcs_[i] = load32(datagram.data() + pos + 4 * i);
  pos += 4 * p.csrc_count_;
  if ((b0 & 0x10) != 0) {
    if (datagram.size() - pos < 4) return fail(Errc::truncated, "rtp: extension header");
    const std::uint16_t profile = load16(datagram.data() + pos);
    const std::size_t length = 4u * load16(datagram.data() + pos + 2);
    pos += 4;
    if (datagram.size() - pos < length) return fail(Errc::truncated, "rtp: extension block");
    const ByteView block = datagram.subspan(pos, length);
    pos += length;
    p.extension_profile_ = profile;
    if (profile == kOneByteProfile) {
      ZTM_TRY_ASSIGN(p.extension_count_, parse_one_byte(block, p.extensions_));
    } else if ((profile & 0xFFF0) == kTwoByteProfile) {
      ZTM_TRY_ASSIGN(p.extension_count_, parse_two_byte(block, p.extensions_));
    }
  }
  p.header_size_ = pos;
  std::size_t end = datagram.size();
  if ((b0 & 0x20) != 0) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const std::size_t padding = datagram.back();
    if (padding == 0 || padding > end - pos) {
      return fail(Errc::invalid_encoding, "rtp: padding count out of range");
    }
    p.padding_size_ = padding;
    end -= padding;
  }
  p.payload_ = datagram.subspan(pos, end - pos);
  return p;
}

std::optional<ByteView> PacketView::find_extension(std::uint8_t id) const {
  for (std::size_t i = 0; i < extension_count_; ++i) {
    if (extensions_[i].id == id) return extensions_[i].data;
  }
  return std::nullopt;
}

Result<std::size_t> header_size(const Header& h) {
  if (h.payload_type > 127) return fail(Errc::invalid_argument, "rtp: payload type beyond 127");
  if (h.csrcs.size() > kMaxCsrcs) return fail(Errc::invalid_argument, "rtp: more than 15 CSRCs");
  if (h.extensions.size() > kMaxExtensions) {
    return fail(Errc::invalid_argument, "rtp: too many extensions");
  }
  std::size_t size = kFixedHeaderSize + 4 * h.csrcs.size();
  if (h.extensions.empty()) return size;
  const bool one_byte = fits_one_byte(h.extensions);
  std::size_t block = 0;
  for (const Extension& e : h.extensions) {
    if (e.id == 0 || (!one_byte && e.data.size() > 255)) {
      return fail(Errc::invalid_argument, "rtp: extension ID 0 or data beyond 255 bytes");
    }
    block += (one_byte ? 1 : 2) + e.data.size();
  }
  return size + 4 + ((block + 3) & ~std::size_t{3});
}

Result<MutableByteView> write_header(const Header& h, MutableByteView out) {
  ZTM_TRY_ASSIGN(const std::size_t size, header_size(h));
  if (out.size() < size) return fail(Errc::buffer_too_small, "rtp: header does not fit");
  std::uint8_t* p = out.data();
  std::fill_n(p, size, std::uint8_t{0});
  p[0] = static_cast<std::uint8_t>(0x80 | (h.extensions.empty() ? 0 : 0x10) | h.csrcs.size());
  p[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | h.payload_type);
  store16(p + 2, h.sequence_number);
  store32(p + 4, h.timestamp);
  store32(p + 8, h.ssrc);
  std::size_t pos = kFixedHeaderSize;
  for (std::uint32_t csrc : h.csrcs) {
    store32(p + pos, csrc);
    pos += 4;
  }
  if (!h.extensions.empty()) {
    const bool one_byte = fits_one_byte(h.extensions);
    store16(p + pos, one_byte ? kOneByteProfile : kTwoByteProfile);
    store16(p + pos + 2, static_cast<std::uint16_t>((size - pos - 4) / 4));
    pos += 4;
    for (const Extension& e : h.extensions) {
      if (one_byte) {
        p[pos++] = static_cast<std::uint8_t>((e.id << 4) | (e.data.size() - 1));
      } else {
        p[pos++] = e.id;
        p[pos++] = static_cast<std::uint8_t>(e.data.size());
      }
      std::copy(e.data.begin(), e.data.end(), p + pos);
      pos += e.data.size();
    }
    // The rest of the block stays zero: padding bytes (RFC 8285 §4.1).
  }
  return out.first(size);
}

std::int64_t SequenceUnwrapper::peek(std::uint16_t sequence_number) const {
  if (!last_) return sequence_number;
  const auto last16 = static_cast<std::uint16_t>(*last_);
  const auto forward = static_cast<std::uint16_t>(sequence_number - last16);
  // A step of 0..2^15-1 forward, else a step backward (RFC 3550 A.1's "nearest").
  std::int64_t delta = forward < 0x8000 ? forward : static_cast<std::int64_t>(forward) - 0x10000;
  std::int64_t value = *last_ + delta;
  // Never below zero: early packets from before the first one seen stay small.
  if (value < 0) value += 0x10000;
  return value;
}

std::int64_t SequenceUnwrapper::unwrap(std::uint16_t sequence_number) {
  const std::int64_t value = peek(sequence_number);
  last_ = value;
  return value;
}

}  // namespace ztm::net::rtp
