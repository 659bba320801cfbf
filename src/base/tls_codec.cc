#include "ztm/base/tls_codec.h"

#include <cstdio>

namespace ztm::tls {

void Writer::varint(std::uint64_t v) {
  if (v < 64) {
    u8(static_cast<std::uint8_t>(v));
  } else if (v < 16384) {
    u16(static_cast<std::uint16_t>(0x4000 | v));
  } else if (v <= kMaxVarint) {
    u32(static_cast<std::uint32_t>(0x80000000u | v));
  } else {
    std::fputs("ztm::tls::Writer: vector longer than 2^30 bytes cannot be encoded\n", stderr);
    std::abort();
  }
}

Result<std::uint64_t> Reader::be(std::size_t width) {
  if (data_.size() < width) {
    return fail(Errc::truncated,
                "need " + std::to_string(width) + " bytes, have " + std::to_string(data_.size()));
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = v << 8 | data_[i];
  data_ = data_.subspan(width);
  return v;
}

Result<std::uint8_t> Reader::u8() {
  ZTM_TRY_ASSIGN(auto v, be(1));
  return static_cast<std::uint8_t>(v);
}
Result<std::uint16_t> Reader::u16() {
  ZTM_TRY_ASSIGN(auto v, be(2));
  return static_cast<std::uint16_t>(v);
}
Result<std::uint32_t> Reader::u32() {
  ZTM_TRY_ASSIGN(auto v, be(4));
  return static_cast<std::uint32_t>(v);
}
Result<std::uint64_t> Reader::u64() {
  return be(8);
}

Result<ByteView> Reader::raw(std::size_t n) {
  if (data_.size() < n) {
    return fail(Errc::truncated,
                "need " + std::to_string(n) + " bytes, have " + std::to_string(data_.size()));
  }
  ByteView out = data_.first(n);
  data_ = data_.subspan(n);
  return out;
}

// RFC 9420 §2.1.2: the two high bits give the header length (1, 2 or 4 bytes);
// prefix 0b11 is invalid and a value must use the shortest form.
Result<std::uint64_t> Reader::varint() {
  if (data_.empty()) return fail(Errc::truncated, "missing vector length header");
  const std::uint8_t prefix = data_[0] >> 6;
  if (prefix == 3) return fail(Errc::length_too_large, "vector length header has prefix 0b11");
  const std::size_t width = std::size_t{1} << prefix;
  ZTM_TRY_ASSIGN(std::uint64_t v, be(width));
  v &= (std::uint64_t{1} << (8 * width - 2)) - 1;
  if (varint_size(v) != width) {
    return fail(Errc::non_minimal_varint,
                "length " + std::to_string(v) + " encoded in " + std::to_string(width) + " bytes");
  }
  return v;
}

Result<ByteView> Reader::opaque() {
  ZTM_TRY_ASSIGN(std::uint64_t n, varint());
  return raw(static_cast<std::size_t>(n));
}

Result<Reader> Reader::sub() {
  ZTM_TRY_ASSIGN(ByteView v, opaque());
  return Reader(v);
}

Result<void> Reader::expect_end() const {
  if (!data_.empty()) {
    return fail(Errc::trailing_data, std::to_string(data_.size()) + " bytes after the value");
  }
  return ok();
}

Result<std::uint64_t> decode_varint(ByteView data) {
  Reader r(data);
  ZTM_TRY_ASSIGN(std::uint64_t v, r.varint());
  ZTM_TRY(r.expect_end());
  return v;
}

}  // namespace ztm::tls
