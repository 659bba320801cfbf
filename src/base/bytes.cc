#include "ztm/base/bytes.h"

#include <algorithm>

namespace ztm {

Bytes concat(std::initializer_list<ByteView> parts) {
  std::size_t total = 0;
  for (auto p : parts) total += p.size();
  Bytes out;
  out.reserve(total);
  for (auto p : parts) append(out, p);
  return out;
}

std::string to_hex(ByteView v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(v.size() * 2);
  for (std::size_t i = 0; i < v.size(); ++i) {
    out[2 * i] = kDigits[v[i] >> 4];
    out[2 * i + 1] = kDigits[v[i] & 0x0f];
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail(Errc::invalid_encoding, "hex string has odd length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::invalid_encoding, "non-hex character in hex string");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

Result<MutableByteView> copy_into(ByteView src, MutableByteView dst) {
  if (dst.size() < src.size()) {
    return fail(Errc::buffer_too_small, "output holds " + std::to_string(dst.size()) +
                                            " bytes, need " + std::to_string(src.size()));
  }
  if (!src.empty()) std::memmove(dst.data(), src.data(), src.size());
  return dst.first(src.size());
}

}  // namespace ztm
