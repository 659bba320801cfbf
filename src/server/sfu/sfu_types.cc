#include "ztm/server/sfu_types.h"

#include "ztm/crypto/random.h"

namespace ztm::server {

std::string_view transport_state_name(TransportState state) {
  switch (state) {
    case TransportState::connecting:
      return "connecting";
    case TransportState::connected:
      return "connected";
    case TransportState::failed:
      return "failed";
    case TransportState::closed:
      return "closed";
  }
  return "unknown";
}

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::unclassified:
      return "unclassified";
    case DropReason::stun_malformed:
      return "stun_malformed";
    case DropReason::stun_unknown_ufrag:
      return "stun_unknown_ufrag";
    case DropReason::stun_bad_integrity:
      return "stun_bad_integrity";
    case DropReason::stun_rejected:
      return "stun_rejected";
    case DropReason::unknown_source:
      return "unknown_source";
    case DropReason::dtls_error:
      return "dtls_error";
    case DropReason::not_connected:
      return "not_connected";
    case DropReason::srtp_auth_failed:
      return "srtp_auth_failed";
    case DropReason::srtp_replay:
      return "srtp_replay";
    case DropReason::rtp_malformed:
      return "rtp_malformed";
    case DropReason::rtcp_malformed:
      return "rtcp_malformed";
    case DropReason::ssrc_conflict:
      return "ssrc_conflict";
    case DropReason::no_route:
      return "no_route";
    case DropReason::protect_failed:
      return "protect_failed";
    case DropReason::send_failed:
      return "send_failed";
    case DropReason::waiting_for_keyframe:
      return "waiting_for_keyframe";
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

const PeerStats* SfuStats::find(std::string_view meeting_id,
                                std::string_view participant_id) const {
  for (const PeerStats& p : peers) {
    if (p.peer.meeting_id == meeting_id && p.peer.participant_id == participant_id) return &p;
  }
  return nullptr;
}

namespace {

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/" — 64 characters, 6 bits each.
constexpr std::string_view kIceChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string random_ice_string(std::size_t length) {
  Bytes r = crypto::random_bytes(length);
  std::string s(length, 'A');
  for (std::size_t i = 0; i < length; ++i) s[i] = kIceChars[r[i] & 0x3F];
  return s;
}

}  // namespace

net::ice::IceCredentials generate_ice_credentials() {
  return {random_ice_string(8), random_ice_string(24)};
}

}  // namespace ztm::server
