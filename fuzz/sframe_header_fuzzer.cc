// Fuzzes the SFrame header decoder (RFC 9605 §4.3, src/sframe/header.cc). Decoding
// is strict, so every header that decodes has exactly one encoding: re-encoding
// must give back the bytes it was read from. A failure must be one of the two
// typed header errors.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "ztm/sframe/header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ztm::ByteView input(data, size);
  auto decoded = ztm::sframe::decode_header(input);
  if (!decoded) {
    const auto code = decoded.error().code;
    if (code != ztm::Errc::truncated && code != ztm::Errc::non_minimal_varint) std::abort();
    return 0;
  }
  if (decoded->size == 0 || decoded->size > size || decoded->size > ztm::sframe::max_header_size) {
    std::abort();
  }
  std::uint8_t again[ztm::sframe::max_header_size];
  auto encoded = decoded->header.encode(again);
  if (!encoded || encoded->size() != decoded->size ||
      decoded->header.encoded_size() != decoded->size ||
      std::memcmp(again, data, decoded->size) != 0) {
    std::abort();
  }
  return 0;
}
