// The SFrame header (RFC 9605 §4.3): a config byte, then the KID and CTR as
// compact big-endian integers.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::sframe {

// KeyId is the KID: which base_key a frame is encrypted under.
using KeyId = std::uint64_t;
// Counter is the CTR: the per-KID frame counter that makes the nonce unique.
using Counter = std::uint64_t;

// max_header_size is the longest header: config byte + 8-byte KID + 8-byte CTR.
inline constexpr std::size_t max_header_size = 17;

// Header is a decoded SFrame header. RFC 9605 §4.3:
//
//    0 1 2 3 4 5 6 7
//   +-+-+-+-+-+-+-+-+------------+------------+
//   |X|  K  |Y|  C  |   KID...   |   CTR...   |
//   +-+-+-+-+-+-+-+-+------------+------------+
//
// A value 0-7 sits in K (resp. C) with X (resp. Y) = 0; a larger value is
// appended in the minimum number of bytes (1-8), with K (resp. C) = length - 1.
struct Header {
  KeyId kid = 0;
  Counter ctr = 0;

  // encoded_size is the number of bytes encode() writes (1 to 17).
  std::size_t encoded_size() const { return 1 + field_size(kid) + field_size(ctr); }
  // field_size is the bytes a KID or CTR value takes after the config byte: none
  // for 0-7, else the minimum big-endian length.
  static std::size_t field_size(std::uint64_t v) {
    return v < 8 ? 0 : (static_cast<std::size_t>(std::bit_width(v)) + 7) / 8;
  }

  // encode writes the header at the start of out and returns the written subspan,
  // or buffer_too_small.
  Result<MutableByteView> encode(MutableByteView out) const;

  friend bool operator==(const Header&, const Header&) = default;
};

// DecodedHeader is a header and the number of bytes it took at the start of the
// input (the rest of an SFrame ciphertext is the AEAD output).
struct DecodedHeader {
  Header header;
  std::size_t size = 0;
};

// decode_header reads the header at the start of data. Decoding is strict: input
// that ends inside the header fails with truncated, and a value that is not in its
// shortest form (an extended field holding 0-7, or a leading zero byte) fails with
// non_minimal_varint, because no conforming encoder produces it (§4.3 "MUST be
// encoded with the minimum number of bytes").
Result<DecodedHeader> decode_header(ByteView data);

}  // namespace ztm::sframe
