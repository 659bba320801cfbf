#include "ztm/sframe/header.h"

#include <string>

#include "internal/header_codec.h"

namespace ztm::sframe {

Result<MutableByteView> Header::encode(MutableByteView out) const {
  const std::size_t total = encoded_size();
  if (out.size() < total) {
    return fail(Errc::buffer_too_small, "sframe.header: output holds " +
                                            std::to_string(out.size()) + " bytes, header needs " +
                                            std::to_string(total));
  }
  internal::write_header(*this, out.data());
  return out.first(total);
}

Result<DecodedHeader> decode_header(ByteView data) {
  DecodedHeader out;
  if (internal::try_decode_header(data, out.header, out.size)) return out;
  // Slow path: find which rule the header broke.
  if (data.empty()) return fail(Errc::truncated, "sframe.header: empty input");
  const std::uint8_t config = data[0];
  std::size_t offset = 1;
  for (const bool kid : {true, false}) {
    const bool extended = (config & (kid ? 0x80 : 0x08)) != 0;
    if (!extended) continue;
    const std::size_t n = std::size_t{(kid ? config >> 4 : config) & 0x07u} + 1;
    const char* field = kid ? "KID" : "CTR";
    std::uint64_t v = 0;
    if (data.size() < offset + n) {
      return fail(Errc::truncated, std::string("sframe.header: ") + field + " needs " +
                                       std::to_string(n) + " bytes, input ends first");
    }
    if (!internal::read_field(data, offset, n, v)) {
      return fail(Errc::non_minimal_varint, std::string("sframe.header: ") + field + " " +
                                                std::to_string(v) + " encoded in " +
                                                std::to_string(n) + " bytes is not minimal");
    }
    offset += n;
  }
  return fail(Errc::invalid_encoding, "sframe.header: malformed");
}

}  // namespace ztm::sframe
