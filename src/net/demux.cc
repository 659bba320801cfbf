#include "ztm/net/demux.h"

namespace ztm::net {

PacketKind classify(ByteView datagram) {
  if (datagram.empty()) return PacketKind::unknown;
  const std::uint8_t b0 = datagram[0];
  // RFC 7983 §7:
  //             +----------------+
  //             |        [0..3] -+--> forward to STUN
  //  packet --> |      [16..19] -+--> forward to ZRTP
  //             |      [20..63] -+--> forward to DTLS
  //             |      [64..79] -+--> forward to TURN Channel
  //             |    [128..191] -+--> forward to RTP/RTCP
  //             +----------------+
  if (b0 <= 3) {
    return datagram.size() >= kStunHeaderSize ? PacketKind::stun : PacketKind::unknown;
  }
  if (b0 >= 16 && b0 <= 19) return PacketKind::zrtp;
  if (b0 >= 20 && b0 <= 63) {
    return datagram.size() >= kDtlsRecordHeaderSize ? PacketKind::dtls : PacketKind::unknown;
  }
  if (b0 >= 64 && b0 <= 79) return PacketKind::turn_channel;
  if (b0 >= 128 && b0 <= 191) {
    if (datagram.size() < 2) return PacketKind::unknown;
    // RFC 5761 §4: RTCP packet types 192..223 never collide with RTP payload types
    // when RTP avoids payload types 64..95; the second byte with the marker bit is
    // then 192..223 only for RTCP.
    const std::uint8_t b1 = datagram[1];
    if (b1 >= 192 && b1 <= 223) {
      return datagram.size() >= kRtcpHeaderSize ? PacketKind::rtcp : PacketKind::unknown;
    }
    return datagram.size() >= kRtpHeaderSize ? PacketKind::rtp : PacketKind::unknown;
  }
  return PacketKind::unknown;
}

std::string_view packet_kind_name(PacketKind kind) {
  switch (kind) {
    case PacketKind::stun:
      return "stun";
    case PacketKind::zrtp:
      return "zrtp";
    case PacketKind::dtls:
      return "dtls";
    case PacketKind::turn_channel:
      return "turn_channel";
    case PacketKind::rtp:
      return "rtp";
    case PacketKind::rtcp:
      return "rtcp";
    case PacketKind::unknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace ztm::net
