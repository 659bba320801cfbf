// Sfu: the meeting service's selective forwarding unit on one UDP port, speaking
// WebRTC's transport (ICE-lite, DTLS-SRTP, SRTP; RFC 7983 demultiplexing). It
// forwards the RTP its participants send — SFrame ciphertext it cannot read — to the
// other participants of the same meeting, and RTCP keyframe requests and NACKs back
// to the senders. It never holds an SFrame key. See docs/sfu.md.
//
// Threading: the Sfu owns its UDP socket, an Asio io_context and ONE thread that
// runs it (started by create, joined by the destructor). Every packet is handled on
// that thread without locks (STYLE rule 18). The public methods may be called from
// any thread: they hand their work to the SFU thread. The transport callback runs on
// the SFU thread and must not block (post to your own executor).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ztm/base/error.h"
#include "ztm/net/dtls.h"
#include "ztm/server/sfu_core.h"
#include "ztm/server/sfu_types.h"

namespace ztm::server {

struct SfuConfig {
  // bind_address: an IPv4 or IPv6 literal ("0.0.0.0" for every interface).
  std::string bind_address = "127.0.0.1";
  // port: 0 picks a free one (see Sfu::local_address).
  std::uint16_t port = 0;
  // advertised_address: the IP put in the candidate, when participants reach the
  // SFU at another address than bind_address (NAT, or a wildcard bind). Empty: the
  // bound address.
  std::string advertised_address;
  // core: forwarding limits; its `candidate` is filled in by create.
  SfuCoreConfig core;
  // certificate: the DTLS identity; a fresh ECDSA P-256 one when absent.
  std::optional<net::DtlsCertificate> certificate;
};

class Sfu {
 public:
  using TransportCallback = std::function<void(const TransportEvent&)>;

  // create binds the socket and starts the SFU thread. `on_transport` (may be empty)
  // is told when a peer's transport connects, fails or closes. Fails with io_error
  // when the address cannot be bound.
  static Result<std::unique_ptr<Sfu>> create(const SfuConfig& config,
                                             TransportCallback on_transport = {});
  // The destructor stops the thread and closes every DTLS association.
  ~Sfu();
  Sfu(const Sfu&) = delete;
  Sfu& operator=(const Sfu&) = delete;

  // add_peer registers a participant and returns what signaling sends back to it.
  // The peer is live on the SFU thread before any datagram received after this call
  // returns is handled. Errors as SfuCore::add_peer.
  Result<PeerAnswer> add_peer(const PeerOffer& offer);
  // remove_peer stops all forwarding to and from the peer; false if unknown.
  bool remove_peer(const PeerKey& peer);
  // request_keyframe asks the participant (PLI on each SSRC it sends) for a
  // keyframe, e.g. when someone joins; false if unknown or not connected.
  bool request_keyframe(const PeerKey& from);

  // stats snapshots the counters (waits for the SFU thread).
  SfuStats stats() const;
  // local_address is the bound address and port.
  const net::TransportAddress& local_address() const;
  const net::CertificateFingerprint& fingerprint() const;

  struct Impl;

 private:
  explicit Sfu(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::server
