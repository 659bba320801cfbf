// Fuzzes the SRTP/SRTCP receive path (a decrypt entry point): arbitrary datagrams
// into SrtpSession::unprotect_rtp / unprotect_rtcp with fixed keys, for both
// profiles. The first byte picks the profile and RTP or RTCP. Nothing may crash or
// read out of bounds, and what is accepted must be no longer than what came in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/net/srtp.h"

namespace {

ztm::net::SrtpSession make(ztm::net::SrtpProfile profile) {
  ztm::SecretBytes km(ztm::net::srtp_keying_material_size(profile));
  for (std::size_t i = 0; i < km.size(); ++i) km.mutable_data()[i] = static_cast<std::uint8_t>(i);
  auto s = ztm::net::SrtpSession::create(profile, ztm::net::SrtpRole::server, km);
  if (!s) std::abort();
  return std::move(*s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm;
  using namespace ztm::net;
  static SrtpSession gcm = make(SrtpProfile::aead_aes_128_gcm);
  static SrtpSession cm = make(SrtpProfile::aes128_cm_sha1_80);
  if (size < 1) return 0;
  SrtpSession& session = (data[0] & 1) ? gcm : cm;
  Bytes packet(data + 1, data + size);
  auto r = (data[0] & 2) ? session.unprotect_rtcp(packet) : session.unprotect_rtp(packet);
  if (r && (r->size() > packet.size() || r->data() != packet.data())) std::abort();
  return 0;
}
