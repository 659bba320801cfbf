// MediaLink: a participant's media connection to the SFU, the client half of what
// ztm::server::Sfu speaks: one UDP socket, a controlling ICE agent with a single
// candidate pair (RFC 8445 §7.2: checks with USE-CANDIDATE to the SFU's one host
// candidate, then consent checks, RFC 7675), a DTLS 1.2 client that accepts only the
// SFU certificate signaling named (RFC 5763 / RFC 8122), and SRTP keyed from it
// (RFC 5764). The caller gives clear RTP/RTCP (with SFrame ciphertext as payload)
// and gets clear RTP/RTCP back. See docs/sfu.md.
//
// Threading: a MediaLink owns its socket, an event loop and ONE thread (started by
// create, joined by the destructor). All public methods may be called from any
// thread. The callbacks run on the link's thread: they must not block, and must not
// destroy the MediaLink. The ByteView given to on_rtp/on_rtcp is valid only during
// the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/address.h"
#include "ztm/net/dtls.h"
#include "ztm/net/ice.h"

namespace ztm::net {

struct MediaLinkConfig {
  // bind_address: the local IP literal to send from; port 0 picks a free one.
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  // certificate: this participant's DTLS identity; a fresh ECDSA P-256 one when
  // absent (WebRTC certificates are per connection, not the participant's X.509
  // identity: that one lives in MLS).
  std::optional<DtlsCertificate> certificate;
  // connect_timeout: from connect() to SRTP keys, else the link fails.
  std::chrono::milliseconds connect_timeout{10000};
  // check_interval: ICE checks are repeated this often until one is answered
  // (RFC 8445 §14: Ta, 50 ms).
  std::chrono::milliseconds check_interval{50};
  // consent_interval: then one check this often to keep consent (RFC 7675 §5.1
  // says 5 s ± 20 %; shorter is allowed).
  std::chrono::milliseconds consent_interval{2000};
};

// MediaLinkLocal is what the participant sends to signaling: its ICE ufrag and pwd
// and its certificate fingerprint (for PeerOffer on the service side).
struct MediaLinkLocal {
  ice::IceCredentials ice;
  CertificateFingerprint fingerprint;
};

// MediaLinkRemote is what signaling returned from the SFU (its PeerAnswer).
struct MediaLinkRemote {
  ice::IceCredentials ice;
  CertificateFingerprint fingerprint;
  TransportAddress candidate;
};

enum class LinkState : std::uint8_t {
  idle,        // created; connect() not called yet
  connecting,  // ICE checks and the DTLS handshake under way
  connected,   // SRTP keyed: send_rtp/send_rtcp work
  failed,      // DTLS refused (wrong fingerprint), timeout, or consent lost
  closed,      // close() was called or the SFU sent close_notify
};
std::string_view link_state_name(LinkState state);

struct MediaLinkStats {
  std::uint64_t rtp_packets_sent = 0;
  std::uint64_t rtp_bytes_sent = 0;  // SRTP bytes on the wire
  std::uint64_t rtcp_packets_sent = 0;
  std::uint64_t rtp_packets_received = 0;
  std::uint64_t rtp_bytes_received = 0;
  std::uint64_t rtcp_packets_received = 0;
  std::uint64_t dropped = 0;  // unauthenticated, replayed, malformed or foreign datagrams
  std::uint64_t send_errors = 0;
};

class MediaLink {
 public:
  struct Callbacks {
    std::function<void(ByteView rtp_packet)> on_rtp;    // SRTP removed, header + payload
    std::function<void(ByteView rtcp_packet)> on_rtcp;  // SRTCP removed, a compound
    std::function<void(LinkState state, const std::string& reason)> on_state;
  };

  // create binds the socket and starts the link's thread; nothing is sent yet.
  static Result<std::unique_ptr<MediaLink>> create(const MediaLinkConfig& config,
                                                   Callbacks callbacks);
  // The destructor closes the association (close_notify) and joins the thread.
  ~MediaLink();
  MediaLink(const MediaLink&) = delete;
  MediaLink& operator=(const MediaLink&) = delete;

  // local is what to send to signaling before connect().
  const MediaLinkLocal& local() const;
  // local_address is the bound UDP address.
  const TransportAddress& local_address() const;
  // connect starts ICE checks to remote.candidate, then DTLS; invalid_state if
  // called twice.
  Result<void> connect(const MediaLinkRemote& remote);
  // send_rtp protects a clear RTP packet (at most kMaxPacketSize bytes) and sends it
  // to the SFU. The packet is copied; invalid_state unless connected. SRTP refuses
  // a sequence number sent twice on one SSRC: retransmit with RTX (RFC 4588).
  Result<void> send_rtp(ByteView rtp_packet);
  // send_rtcp does the same for a clear RTCP compound (e.g. rtcp::write_pli).
  Result<void> send_rtcp(ByteView rtcp_packet);
  // close sends close_notify and moves to `closed`.
  void close();

  LinkState state() const;
  MediaLinkStats stats() const;

  static constexpr std::size_t kMaxPacketSize = 1400;

  struct Impl;

 private:
  explicit MediaLink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// parse_transport_address reads "192.0.2.1:3478" or "[2001:db8::1]:3478" (the form
// TransportAddress::to_string writes), for candidates carried in signaling.
Result<TransportAddress> parse_transport_address(std::string_view text);

}  // namespace ztm::net
