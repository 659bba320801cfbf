// SRTP and SRTCP (RFC 3711, AES-GCM per RFC 7714) over libsrtp2, keyed from DTLS-SRTP
// (RFC 5764). Protects the hop between a participant and the SFU; the end-to-end
// protection of media is SFrame's, inside the payload.
#pragma once

#include <cstdint>
#include <memory>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::net {

// SrtpProfile values are the DTLS-SRTP protection profile ids (RFC 5764 §4.1.2,
// RFC 7714 §14.2).
enum class SrtpProfile : std::uint16_t {
  aes128_cm_sha1_80 = 0x0001,
  aead_aes_128_gcm = 0x0007,
};

// SrtpRole is this endpoint's DTLS role: it picks which half of the keying material
// protects what this endpoint sends.
enum class SrtpRole : std::uint8_t { client, server };

std::size_t srtp_master_key_size(SrtpProfile profile);   // 16 for both profiles
std::size_t srtp_master_salt_size(SrtpProfile profile);  // 14 (CM) or 12 (GCM)
// srtp_keying_material_size is what to export from DTLS: 2 * (key + salt).
std::size_t srtp_keying_material_size(SrtpProfile profile);

// The most protect_rtp / protect_rtcp add to a packet (a 16-byte tag; SRTCP adds its
// 4-byte index too). Buffers need this much room after the packet.
inline constexpr std::size_t kSrtpMaxOverhead = 16;
inline constexpr std::size_t kSrtcpMaxOverhead = 20;
// kSrtpReplayWindow is the replay window in packets (libsrtp's default is 128; video
// bursts reorder further, and libwebrtc uses 1024 too).
inline constexpr std::size_t kSrtpReplayWindow = 1024;

// SrtpSession holds the two libsrtp contexts of one DTLS-SRTP association: one that
// protects what this endpoint sends, one that unprotects what it receives, each for
// any SSRC. libsrtp owns the packet indices and the replay windows. Not safe for
// use from two threads at once.
class SrtpSession {
 public:
  // create splits RFC 5764 §4.2 keying material
  //   client_write_SRTP_master_key | server_write_SRTP_master_key |
  //   client_write_SRTP_master_salt | server_write_SRTP_master_salt
  // and keys the contexts for `role`. Fails with invalid_key on a wrong size.
  static Result<SrtpSession> create(SrtpProfile profile, SrtpRole role,
                                    const SecretBytes& keying_material);
  ~SrtpSession();
  SrtpSession(SrtpSession&&) noexcept;
  SrtpSession& operator=(SrtpSession&&) noexcept;

  SrtpProfile profile() const;

  // protect_rtp encrypts the RTP packet in buffer[0, packet_size) in place and returns
  // the SRTP packet (longer by the tag). buffer must extend kSrtpMaxOverhead bytes
  // past the packet. Sending the same sequence number of an SSRC twice fails with
  // replay: retransmissions travel as RTX (RFC 4588), with their own numbers.
  Result<MutableByteView> protect_rtp(MutableByteView buffer, std::size_t packet_size);
  // unprotect_rtp authenticates and decrypts in place and returns the RTP packet.
  // authentication_failed: forged or corrupted; replay: seen before or too old.
  Result<MutableByteView> unprotect_rtp(MutableByteView packet);
  Result<MutableByteView> protect_rtcp(MutableByteView buffer, std::size_t packet_size);
  Result<MutableByteView> unprotect_rtcp(MutableByteView packet);

 private:
  SrtpSession() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::net
