// Demultiplexing of the one UDP port that carries STUN, DTLS, RTP and RTCP
// (RFC 7983 §7, RFC 5761 §4): WebRTC bundles every protocol of a peer onto one
// 5-tuple, and the first bytes of each datagram say which protocol it is.
#pragma once

#include <cstdint>
#include <string_view>

#include "ztm/base/bytes.h"

namespace ztm::net {

// PacketKind is the protocol a datagram belongs to.
enum class PacketKind : std::uint8_t {
  stun,          // first byte 0..3 (RFC 7983)
  zrtp,          // 16..19: never used by ztmeet, named so it is not mistaken for DTLS
  dtls,          // 20..63
  turn_channel,  // 64..79
  rtp,           // 128..191, second byte not an RTCP packet type
  rtcp,          // 128..191, second byte 192..223 (RFC 5761 §4)
  unknown,       // anything else, or too short to be its protocol's smallest packet
};

// Smallest well-formed datagram of each protocol; shorter ones are `unknown`.
inline constexpr std::size_t kStunHeaderSize = 20;
inline constexpr std::size_t kDtlsRecordHeaderSize = 13;
inline constexpr std::size_t kRtpHeaderSize = 12;
inline constexpr std::size_t kRtcpHeaderSize = 8;

// classify tells which protocol a received datagram belongs to, from its first two
// bytes and its length alone. It never reads past datagram.size().
PacketKind classify(ByteView datagram);

// packet_kind_name returns "stun", "dtls", ... for logs.
std::string_view packet_kind_name(PacketKind kind);

}  // namespace ztm::net
