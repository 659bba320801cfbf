// RTX, the RTP retransmission payload format (RFC 4588 §4): a lost packet is resent
// on its own SSRC and sequence numbers, with the original sequence number (OSN)
// in front of the original payload. ztmeet retransmits only this way, because SRTP
// refuses to protect one sequence number twice (decisions/0024).
//
// RFC 4588 §4, the RTX payload:
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |            OSN                |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
//   |                  Original RTP Packet Payload                  |
#pragma once

#include <cstdint>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/rtp.h"

namespace ztm::net::rtx {

// RtxStream names the retransmission stream negotiated with a=rtpmap rtx and
// a=ssrc-group:FID (RFC 4588 §8).
struct RtxStream {
  std::uint32_t ssrc = 0;
  std::uint8_t payload_type = 0;
};

// write_packet builds the RTX packet for `original` into out: the original header
// fields and extensions with the RTX SSRC, payload type and sequence number, then the
// OSN and the original payload (its RTP padding dropped). Returns the written span;
// out must not overlap the original packet.
Result<MutableByteView> write_packet(const rtp::PacketView& original, const RtxStream& stream,
                                     std::uint16_t rtx_sequence_number, MutableByteView out);

// Recovered is what an RTX packet carries: the original sequence number and payload.
struct Recovered {
  std::uint16_t original_sequence_number = 0;
  ByteView payload;  // borrows the RTX packet
};

// read_packet takes the OSN off an RTX packet's payload (truncated without one).
// The caller restores the original SSRC and payload type from the FID association.
Result<Recovered> read_packet(const rtp::PacketView& rtx_packet);

}  // namespace ztm::net::rtx
