// Little-endian integers for the Ogg, Opus and IVF headers, and a bounds-checked
// cursor over borrowed bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::media::internal {

inline void put_le(Bytes& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline std::uint64_t get_le(ByteView in, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{in[i]} << (8 * i);
  return v;
}

// Reader takes little-endian fields off the front of a view; every read checks the
// length first and fails with truncated, naming the field.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  Result<std::uint64_t> le(std::size_t n, const char* field) {
    if (in_.size() - pos_ < n) return fail(Errc::truncated, std::string(field) + ": truncated");
    const auto v = get_le(in_.subspan(pos_, n), n);
    pos_ += n;
    return v;
  }
  Result<ByteView> bytes(std::size_t n, const char* field) {
    if (in_.size() - pos_ < n) return fail(Errc::truncated, std::string(field) + ": truncated");
    const auto v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

}  // namespace ztm::media::internal
