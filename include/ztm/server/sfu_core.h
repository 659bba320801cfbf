// SfuCore: the SFU's forwarding logic without sockets, threads or clocks (time is
// passed in), the way the rest of ztmeet's protocol code is written. Sfu (sfu.h)
// drives one from a UDP socket; tests, the benchmark and the fuzzer drive it directly.
//
// Per datagram (RFC 7983 demultiplexing):
//   STUN  → the peer is found by the USERNAME's first half (our per-peer ufrag), the
//           check is authenticated with that peer's password, ICE-lite answers it and
//           remembers the source address (RFC 8445 §7.3, §2.5).
//   DTLS  → only from an ICE-verified address: the peer's DTLS server endpoint; when
//           connected with the signaled fingerprint, SRTP is keyed (RFC 5764 §4.2).
//   RTP   → SRTP unprotect with the sender's session; the payload (SFrame ciphertext)
//           is never read or changed; the header's Dependency Descriptor or marker bit
//           tells frame boundaries and keyframes; then re-protected once per other
//           peer of the meeting and sent to its nominated address.
//   RTCP  → SRTCP unprotect; PLI, FIR and Generic NACK go to the peer that sends the
//           media SSRC they name; SR goes to every other peer; the rest is consumed.
// The core holds SRTP hop keys only: there is no way to give it an SFrame key.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/net/address.h"
#include "ztm/net/dtls.h"
#include "ztm/server/sfu_types.h"

namespace ztm::server {

// SfuCoreConfig: the limits and wire choices of one SFU instance.
struct SfuCoreConfig {
  // candidate is the address participants send to (the bound UDP address, or the
  // public one in front of a NAT).
  net::TransportAddress candidate;
  // dependency_descriptor_id is the a=extmap ID of the Dependency Descriptor
  // extension (1..14 one-byte, up to 255 two-byte); 0 when media carries none, and
  // the marker bit alone then tells frame ends.
  std::uint8_t dependency_descriptor_id = 3;
  // max_peers bounds the connections (memory is a few KiB per peer plus OpenSSL's).
  std::size_t max_peers = 4096;
  // connect_timeout: a peer whose DTLS-SRTP is not up this long after add_peer fails.
  std::chrono::milliseconds connect_timeout{20000};
  // max_ssrcs_per_peer bounds the media streams one peer may send.
  std::size_t max_ssrcs_per_peer = 16;
  // keyframe_gating: a receiver gets a video stream (one with a Dependency
  // Descriptor) only from the start of a keyframe on, so its decoder can start; the
  // SFU asks the sender for one (PLI) when a receiver is waiting.
  bool keyframe_gating = true;
};

// SfuOutput is where the core's effects go. Both calls happen synchronously inside
// handle_datagram / handle_timer / add_peer / remove_peer / request_keyframe.
class SfuOutput {
 public:
  virtual ~SfuOutput() = default;
  // send transmits one datagram; false when the socket refused it (counted).
  virtual bool send(const net::TransportAddress& to, ByteView datagram) = 0;
  // on_transport reports a peer's transport state change.
  virtual void on_transport(const TransportEvent& event) = 0;
};

class SfuCore {
 public:
  using Clock = std::chrono::steady_clock;

  // kMaxDatagramSize: the largest datagram handled or sent (a jumbo-free UDP MTU).
  static constexpr std::size_t kMaxDatagramSize = 1500;
  // kSfuSsrc is the sender SSRC of the RTCP the SFU writes itself (PLI).
  static constexpr std::uint32_t kSfuSsrc = 0x5F0005F0;

  // kUfragInUse is the message of add_peer's error when local_ice.ufrag is taken.
  static constexpr std::string_view kUfragInUse = "sfu: local ufrag already in use";

  // create: certificate is the SFU's DTLS identity, shared by every peer; output
  // must outlive the core.
  static Result<std::unique_ptr<SfuCore>> create(const net::DtlsCertificate& certificate,
                                                 const SfuCoreConfig& config, SfuOutput& output);
  ~SfuCore();
  SfuCore(const SfuCore&) = delete;
  SfuCore& operator=(const SfuCore&) = delete;

  // add_peer registers a participant's connection with the SFU-side ICE credentials
  // `local_ice` (generate_ice_credentials(); its ufrag must be unused). Fails with
  // invalid_argument (empty ids, ufrag in use, a peer of that key already present)
  // or limit_exceeded (max_peers).
  Result<PeerAnswer> add_peer(const PeerOffer& offer, const net::ice::IceCredentials& local_ice,
                              Clock::time_point now);
  // remove_peer forgets a peer: nothing more is forwarded to or from it; its DTLS
  // association is closed (close_notify sent). False if there was no such peer.
  bool remove_peer(const PeerKey& peer);
  // request_keyframe sends a PLI (RFC 4585 §6.3.1) for every media SSRC the peer
  // sends; signaling calls it when someone joins. False if the peer is unknown or
  // not connected.
  bool request_keyframe(const PeerKey& from, Clock::time_point now);

  // handle_datagram processes one received datagram. It may rewrite `datagram` in
  // place (SRTP is removed in place). Never fails: problems are counted as drops.
  void handle_datagram(const net::TransportAddress& source, MutableByteView datagram,
                       Clock::time_point now);
  // handle_timer drives DTLS retransmission, connect timeouts and ICE consent
  // expiry (RFC 7675); call it at least every next_timer_interval.
  void handle_timer(Clock::time_point now);
  static constexpr std::chrono::milliseconds kTimerInterval{50};

  const net::CertificateFingerprint& fingerprint() const;
  SfuStats stats() const;
  std::size_t peer_count() const;

  struct Impl;

 private:
  explicit SfuCore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::server
