// The vocabulary the meeting service's SFU shares with signaling: what a participant
// offers for its media transport, what the SFU answers, transport events and the
// forwarding counters. Free of sockets and of Boost; used by Sfu (sfu.h) and by the
// sans-I/O SfuCore underneath it (sfu_core.h). See docs/sfu.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/net/address.h"
#include "ztm/net/dtls.h"
#include "ztm/net/ice.h"

namespace ztm::server {

// PeerKey names one participant's media connection: the meeting it belongs to and
// the participant id signaling gave it. Media is forwarded only within a meeting.
struct PeerKey {
  std::string meeting_id;
  std::string participant_id;
  friend bool operator==(const PeerKey&, const PeerKey&) = default;
};

// PeerOffer is what signaling learned from the participant: its ICE ufrag and pwd
// (RFC 8839 §5.4) and the SHA-256 fingerprint of its DTLS certificate (RFC 8122 §5).
// The SFU accepts a DTLS handshake on this peer's path only from that certificate.
struct PeerOffer {
  PeerKey peer;
  net::ice::IceCredentials remote_ice;
  net::CertificateFingerprint remote_fingerprint;
};

// PeerAnswer is what signaling sends back: the SFU's ICE-lite credentials for this
// peer (unique per peer: the ufrag is how the SFU tells peers apart on its one port),
// the fingerprint of the SFU's DTLS certificate, and its single host candidate.
// The SFU is ICE-lite (RFC 8445 §2.5), ICE-controlled and the DTLS server
// (a=setup:passive); the participant is controlling and the DTLS client.
struct PeerAnswer {
  net::ice::IceCredentials local_ice;
  net::CertificateFingerprint fingerprint;
  net::TransportAddress candidate;
};

// TransportState is where a peer's media transport stands.
enum class TransportState : std::uint8_t {
  connecting,  // added; waiting for ICE checks and the DTLS handshake
  connected,   // ICE nominated, DTLS done with the signaled fingerprint, SRTP keyed
  failed,      // DTLS failed (e.g. wrong certificate), timed out, or consent expired
  closed,      // the peer sent close_notify
};
std::string_view transport_state_name(TransportState state);

// TransportEvent reports a change of a peer's TransportState (to connected, failed
// or closed). `reason` says why for failures; it never holds secret material.
struct TransportEvent {
  PeerKey peer;
  TransportState state = TransportState::connecting;
  std::string reason;
};

// DropReason is why the SFU discarded a datagram or a packet.
enum class DropReason : std::uint8_t {
  unclassified,          // not STUN, DTLS, RTP or RTCP (RFC 7983)
  stun_malformed,        // not a well-formed STUN Binding request
  stun_unknown_ufrag,    // USERNAME names no peer of this SFU
  stun_bad_integrity,    // MESSAGE-INTEGRITY missing or wrong for the peer's password
  stun_rejected,         // authentic but refused by ICE-lite (role, priority, remote ufrag)
  unknown_source,        // DTLS/RTP/RTCP from an address no ICE check verified
  dtls_error,            // the DTLS endpoint refused the datagram
  not_connected,         // RTP/RTCP before the peer's DTLS-SRTP handshake finished
  srtp_auth_failed,      // SRTP/SRTCP authentication failed
  srtp_replay,           // SRTP/SRTCP replay or too old
  rtp_malformed,         // decrypted RTP that does not parse
  rtcp_malformed,        // decrypted RTCP that does not parse
  ssrc_conflict,         // an SSRC another peer of the meeting already sends
  no_route,              // RTCP feedback about an SSRC no peer of the meeting sends
  protect_failed,        // re-protection for a receiver failed
  send_failed,           // the socket refused the datagram
  waiting_for_keyframe,  // video for a receiver that has not had a keyframe yet
  kCount,
};
inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);
std::string_view drop_reason_name(DropReason reason);

using DropCounters = std::array<std::uint64_t, kDropReasonCount>;

// PeerStats counts one peer's traffic. "in" is what the peer sent the SFU (after
// SRTP authentication), "out" is what the SFU sent the peer (RTP and RTCP forwarded
// to it, counted after protection).
struct PeerStats {
  PeerKey peer;
  TransportState state = TransportState::connecting;
  net::TransportAddress selected;  // the nominated address (port 0: none yet)
  std::uint64_t rtp_packets_in = 0;
  std::uint64_t rtp_bytes_in = 0;
  std::uint64_t rtcp_packets_in = 0;
  std::uint64_t rtcp_bytes_in = 0;
  std::uint64_t rtp_packets_out = 0;
  std::uint64_t rtp_bytes_out = 0;
  std::uint64_t rtcp_packets_out = 0;
  std::uint64_t rtcp_bytes_out = 0;
  std::uint64_t frames_in = 0;              // frames started (DD start_of_frame, else marker)
  std::uint64_t keyframes_in = 0;           // frames whose DD carries the structure
  std::uint64_t keyframe_requests_out = 0;  // PLI/FIR sent or forwarded to this peer
  DropCounters drops{};                     // drops attributed to this peer
};

// SfuStats is a snapshot of every peer and the SFU-wide drop counters (including
// drops that could not be attributed to a peer, such as unknown ufrags).
struct SfuStats {
  std::vector<PeerStats> peers;
  DropCounters drops{};
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  const PeerStats* find(std::string_view meeting_id, std::string_view participant_id) const;
  std::uint64_t drops_of(DropReason reason) const {
    return drops[static_cast<std::size_t>(reason)];
  }
};

// generate_ice_credentials draws a fresh ufrag (8 characters, 48 bits) and pwd
// (24 characters, 144 bits) from the ice-char alphabet (RFC 8839 §5.4: at least 24
// bits and 128 bits of randomness).
net::ice::IceCredentials generate_ice_credentials();

}  // namespace ztm::server
