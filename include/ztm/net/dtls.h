// DTLS-SRTP (RFC 5764) over OpenSSL 3, driven sans-I/O: the caller feeds received
// datagrams in, takes datagrams to send out, and calls handle_timeout when the time
// from next_timeout() has come. DTLS 1.2 only (what browsers offer for WebRTC), a
// self-signed ECDSA P-256 certificate per endpoint, and the peer authenticated by the
// SHA-256 fingerprint of its certificate as exchanged in signaling (RFC 8122 §5,
// RFC 8842). When connected it yields the SRTP profile and keying material.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/net/srtp.h"

namespace ztm::net {

// CertificateFingerprint is the SHA-256 hash of a certificate's DER encoding.
struct CertificateFingerprint {
  std::array<std::uint8_t, 32> sha256{};

  // to_sdp renders the a=fingerprint value "sha-256 AB:CD:..." (RFC 8122 §5).
  std::string to_sdp() const;
  // from_sdp parses that form; the hash name is case-insensitive, as is the hex.
  // Only sha-256 is accepted.
  static Result<CertificateFingerprint> from_sdp(std::string_view value);

  friend bool operator==(const CertificateFingerprint&, const CertificateFingerprint&) = default;
};

// DtlsCertificate is a key pair and its self-signed certificate, shared by every
// endpoint that uses it (copies share one OpenSSL object).
class DtlsCertificate {
 public:
  // generate makes a fresh ECDSA P-256 key and a certificate valid from a day ago for
  // 30 days, signed with SHA-256.
  static Result<DtlsCertificate> generate(std::string_view common_name = "ztmeet");
  const CertificateFingerprint& fingerprint() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

enum class DtlsState : std::uint8_t {
  handshaking,  // created, or handshake in progress
  connected,    // handshake done, peer fingerprint verified, SRTP profile agreed
  failed,       // handshake or record failure: see failure()
  closed,       // the peer sent close_notify, or close() was called
};

struct DtlsConfig {
  SrtpRole role = SrtpRole::client;  // DTLS client or server (a=setup, RFC 4145)
  CertificateFingerprint remote_fingerprint;
  // max_datagram_size: the largest datagram DTLS sends (UDP payload).
  std::size_t max_datagram_size = 1200;
  // initial_retransmit_timeout: RFC 6347 §4.2.4.1 recommends 1 s, doubling per retry.
  std::chrono::milliseconds initial_retransmit_timeout{1000};
  // srtp_profiles in order of preference (a server picks the first the client offers).
  std::vector<SrtpProfile> srtp_profiles = {SrtpProfile::aead_aes_128_gcm,
                                            SrtpProfile::aes128_cm_sha1_80};
};

// DtlsSrtpKeys is what SRTP needs from a finished handshake.
struct DtlsSrtpKeys {
  SrtpProfile profile = SrtpProfile::aead_aes_128_gcm;
  SrtpRole role = SrtpRole::client;
  SecretBytes keying_material;  // RFC 5764 §4.2 layout, srtp_keying_material_size bytes
};

// DtlsEndpoint is one side of one DTLS association. Not safe for use from two
// threads at once; it may be moved.
class DtlsEndpoint {
 public:
  using Clock = std::chrono::steady_clock;

  static Result<DtlsEndpoint> create(const DtlsCertificate& local, const DtlsConfig& config);
  ~DtlsEndpoint();
  DtlsEndpoint(DtlsEndpoint&&) noexcept;
  DtlsEndpoint& operator=(DtlsEndpoint&&) noexcept;

  // start begins the handshake: a client queues its ClientHello; a server only waits.
  Result<void> start(Clock::time_point now);
  // handle_datagram processes one received DTLS datagram. A failure moves the
  // endpoint to `failed` (an alert may be queued to send) and is returned.
  // Application data is not used by ztmeet and is discarded.
  Result<void> handle_datagram(ByteView datagram, Clock::time_point now);
  // handle_timeout retransmits the last flight when its timer is due.
  Result<void> handle_timeout(Clock::time_point now);
  // next_timeout is when handle_timeout should be called, while handshaking.
  std::optional<Clock::time_point> next_timeout() const;
  // pop_datagram takes the next datagram to send, oldest first.
  std::optional<Bytes> pop_datagram();
  // close queues a close_notify alert and moves to `closed`.
  void close();

  DtlsState state() const;
  const std::string& failure() const;
  // srtp_keys exports the SRTP keying material (label "EXTRACTOR-dtls_srtp");
  // invalid_state unless connected.
  Result<DtlsSrtpKeys> srtp_keys() const;
  // remote_fingerprint is the fingerprint the peer's certificate was checked against.
  const CertificateFingerprint& remote_fingerprint() const;

  // kMaxQueuedDatagrams bounds the outgoing queue; older datagrams are dropped
  // past it (a handshake flight is a handful of datagrams).
  static constexpr std::size_t kMaxQueuedDatagrams = 64;

  // Impl is opaque; it is named here so OpenSSL's callbacks in dtls.cc can reach it.
  struct Impl;

 private:
  DtlsEndpoint() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::net
