// The SFrame header codec, inline for the per-frame path. Rules in
// include/ztm/sframe/header.h; the typed errors come from decode_header().
#pragma once

#include "ztm/base/bytes.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe::internal {

// write_header encodes h at out, which holds at least h.encoded_size() bytes.
inline void write_header(const Header& h, std::uint8_t* out) {
  const std::size_t kid_size = Header::field_size(h.kid);
  const std::size_t ctr_size = Header::field_size(h.ctr);
  std::uint8_t config = 0;
  if (kid_size == 0) {
    config |= static_cast<std::uint8_t>(h.kid << 4);
  } else {
    config |= static_cast<std::uint8_t>(0x80 | ((kid_size - 1) << 4));  // X = 1, K = length - 1
    for (std::size_t i = 0; i < kid_size; ++i) {
      out[1 + i] = static_cast<std::uint8_t>(h.kid >> (8 * (kid_size - 1 - i)));
    }
  }
  if (ctr_size == 0) {
    config |= static_cast<std::uint8_t>(h.ctr);
  } else {
    config |= static_cast<std::uint8_t>(0x08 | (ctr_size - 1));  // Y = 1, C = length - 1
    for (std::size_t i = 0; i < ctr_size; ++i) {
      out[1 + kid_size + i] = static_cast<std::uint8_t>(h.ctr >> (8 * (ctr_size - 1 - i)));
    }
  }
  out[0] = config;
}

// read_field reads an extended field of n bytes at offset; false if the input ends
// first or the value is not minimal (below 8, or with a leading zero byte).
inline bool read_field(ByteView data, std::size_t offset, std::size_t n, std::uint64_t& value) {
  if (data.size() < offset + n) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data[offset + i];
  value = v;
  return Header::field_size(v) == n;
}

// try_decode_header decodes the header at the start of data into h and its length
// into size; false for any malformed header (decode_header() says which error).
inline bool try_decode_header(ByteView data, Header& h, std::size_t& size) {
  if (data.empty()) return false;
  const std::uint8_t config = data[0];
  std::size_t offset = 1;
  if ((config & 0x80) != 0) {  // X: K holds the KID length - 1
    const std::size_t n = std::size_t{(config >> 4) & 0x07u} + 1;
    if (!read_field(data, offset, n, h.kid)) return false;
    offset += n;
  } else {
    h.kid = (config >> 4) & 0x07u;
  }
  if ((config & 0x08) != 0) {  // Y: C holds the CTR length - 1
    const std::size_t n = std::size_t{config & 0x07u} + 1;
    if (!read_field(data, offset, n, h.ctr)) return false;
    offset += n;
  } else {
    h.ctr = config & 0x07u;
  }
  size = offset;
  return true;
}

}  // namespace ztm::sframe::internal
