#include "ztm/net/rtx.h"

#include <algorithm>

#include "internal/be.h"

namespace ztm::net::rtx {

Result<MutableByteView> write_packet(const rtp::PacketView& original, const RtxStream& stream,
                                     std::uint16_t rtx_sequence_number, MutableByteView out) {
  rtp::Header h;
  h.marker = original.marker();
  h.payload_type = stream.payload_type;
  h.sequence_number = rtx_sequence_number;
  h.timestamp = original.timestamp();
  h.ssrc = stream.ssrc;
  h.csrcs = original.csrcs();
  h.extensions = original.extensions();
  ZTM_TRY_ASSIGN(const std::size_t header_size, rtp::header_size(h));
  const std::size_t total = header_size + 2 + original.payload().size();
  if (out.size() < total) return fail(Errc::buffer_too_small, "rtx: packet does not fit");
  // out must not overlap the original packet: the header goes in before the payload
  // is copied.
  ZTM_TRY(rtp::write_header(h, out));
  internal::store16(out.data() + header_size, original.sequence_number());
  std::copy(original.payload().begin(), original.payload().end(),
            out.begin() + static_cast<std::ptrdiff_t>(header_size + 2));
  return out.first(total);
}

Result<Recovered> read_packet(const rtp::PacketView& rtx_packet) {
  const ByteView payload = rtx_packet.payload();
  if (payload.size() < 2) return fail(Errc::truncated, "rtx: payload without an OSN");
  return Recovered{internal::load16(payload.data()), payload.subspan(2)};
}

}  // namespace ztm::net::rtx
