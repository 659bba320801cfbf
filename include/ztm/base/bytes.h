// Bytes: the vocabulary for byte strings. Borrowed input is a ByteView
// (std::span<const uint8_t>); owned data is Bytes; hot paths write into a
// caller-supplied MutableByteView and return the subspan written.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/error.h"

namespace ztm {

using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;
using Bytes = std::vector<std::uint8_t>;

// as_bytes views the characters of a string as bytes (no copy).
inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// to_bytes copies the characters of a string into owned bytes.
inline Bytes to_bytes(std::string_view s) {
  auto v = as_bytes(s);
  return Bytes(v.begin(), v.end());
}

// to_bytes copies a view into owned bytes.
inline Bytes to_bytes(ByteView v) {
  return Bytes(v.begin(), v.end());
}

// concat joins byte strings in order.
Bytes concat(std::initializer_list<ByteView> parts);

// append adds a view's bytes to the end of out.
inline void append(Bytes& out, ByteView v) {
  out.insert(out.end(), v.begin(), v.end());
}

// equal compares two views in variable time (public data only; secrets use
// SecretBytes, which compares in constant time).
inline bool equal(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// to_hex renders bytes as lowercase hex.
std::string to_hex(ByteView v);

// from_hex parses hex (either case, even length, no separators).
Result<Bytes> from_hex(std::string_view hex);

// copy_into copies src to the start of dst and returns the written subspan, or
// buffer_too_small when dst is shorter than src.
Result<MutableByteView> copy_into(ByteView src, MutableByteView dst);

}  // namespace ztm
