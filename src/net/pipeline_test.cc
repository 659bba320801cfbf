// The pieces of this layer working together, in memory, as the SFU and two clients
// will use them: ICE-lite check, DTLS-SRTP handshake, SFrame frames packetized into
// RTP with a Dependency Descriptor, SRTP to the SFU, SFU demux and re-protection,
// SRTP to a receiver, frame reassembly.
#include <gtest/gtest.h>

#include "ztm/crypto/random.h"
#include "ztm/net/demux.h"
#include "ztm/net/dependency_descriptor.h"
#include "ztm/net/dtls.h"
#include "ztm/net/ice.h"
#include "ztm/net/rtp.h"
#include "ztm/net/sframe_rtp.h"
#include "ztm/net/srtp.h"

namespace ztm::net {
namespace {

using Clock = DtlsEndpoint::Clock;
constexpr std::uint8_t kDdId = 3;  // a=extmap id of the Dependency Descriptor

// Handshake: returns {participant session, SFU session}.
std::pair<SrtpSession, SrtpSession> connect(const DtlsCertificate& participant_cert,
                                            const DtlsCertificate& sfu_cert) {
  DtlsConfig pc{SrtpRole::client, sfu_cert.fingerprint()};
  DtlsConfig sc{SrtpRole::server, participant_cert.fingerprint()};
  auto p = DtlsEndpoint::create(participant_cert, pc).value();
  auto s = DtlsEndpoint::create(sfu_cert, sc).value();
  EXPECT_TRUE(p.start(Clock::now()));
  for (int round = 0; round < 10; ++round) {
    while (auto d = p.pop_datagram()) {
      EXPECT_EQ(classify(*d), PacketKind::dtls);
      EXPECT_TRUE(s.handle_datagram(*d, Clock::now()));
    }
    while (auto d = s.pop_datagram()) EXPECT_TRUE(p.handle_datagram(*d, Clock::now()));
  }
  EXPECT_EQ(p.state(), DtlsState::connected);
  EXPECT_EQ(s.state(), DtlsState::connected);
  auto pk = p.srtp_keys().value();
  auto sk = s.srtp_keys().value();
  return {SrtpSession::create(pk.profile, pk.role, pk.keying_material).value(),
          SrtpSession::create(sk.profile, sk.role, sk.keying_material).value()};
}

TEST(MediaPipeline, FramesTravelSenderToSfuToReceiver) {
  const auto sfu_cert = DtlsCertificate::generate("sfu").value();
  const auto alice_cert = DtlsCertificate::generate("alice").value();
  const auto bob_cert = DtlsCertificate::generate("bob").value();

  // ICE-lite: Alice's check is answered and nominates the pair.
  const ice::IceCredentials sfu_ice{"sfu1", "sfu-password-abcdefghijkl"};
  ice::BindingRequestParams check{"alc1", sfu_ice, 100, true, 7};
  const auto txid = stun::new_transaction_id();
  const Bytes request = ice::make_binding_request(check, txid).value();
  ASSERT_EQ(classify(request), PacketKind::stun);
  const auto alice_addr = TransportAddress::v4(203, 0, 113, 5, 40000);
  auto answer = ice::answer_binding_request(request, alice_addr, sfu_ice).value();
  ASSERT_TRUE(answer.accepted && answer.accepted->use_candidate);
  EXPECT_EQ(ice::check_binding_response(answer.response, txid, sfu_ice.pwd).value(), alice_addr);

  auto [alice, sfu_from_alice] = connect(alice_cert, sfu_cert);
  auto [bob, sfu_to_bob] = connect(bob_cert, sfu_cert);

  // Alice sends three "SFrame ciphertexts" (random bytes stand in for them here).
  const std::vector<Bytes> frames = {crypto::random_bytes(9000), crypto::random_bytes(300),
                                     crypto::random_bytes(2500)};
  auto assembler = sframe_rtp::FrameAssembler::create({}).value();
  Bytes out(assembler.max_frame_size());
  std::vector<Bytes> received;
  std::uint16_t seq = 1000;
  int keyframes_seen_by_sfu = 0;
  for (std::size_t f = 0; f < frames.size(); ++f) {
    constexpr std::size_t kMtu = 1200;
    // Room for the RTP header with the DD extension (12 + 4 + up to 20) and the tag.
    auto packetizer =
        sframe_rtp::Packetizer::create(frames[f], kMtu - 36 - kSrtpMaxOverhead).value();
    std::size_t index = 0;
    while (!packetizer.done()) {
      Bytes packet(kMtu);
      dd::DependencyDescriptor d;
      d.start_of_frame = index == 0;
      d.end_of_frame = index + 1 == packetizer.packet_count();
      d.frame_number = static_cast<std::uint16_t>(f);
      if (f == 0 && index == 0) {  // a keyframe carries the structure
        dd::TemplateStructure s;
        s.templates = {{0, 0, {dd::Dti::switch_}, {}, {}}, {0, 0, {dd::Dti::switch_}, {1}, {}}};
        d.structure = s;
      } else {
        d.frame_dependency_template_id = 1;
      }
      const Bytes dd_bytes = dd::serialize(d).value();
      const rtp::Extension ext[] = {{kDdId, dd_bytes}};
      rtp::Header h;
      h.payload_type = 96;
      h.sequence_number = seq++;
      h.timestamp = static_cast<std::uint32_t>(3000 * f);
      h.ssrc = 0xA11CE;
      h.marker = d.end_of_frame;
      h.extensions = ext;
      const auto header = rtp::write_header(h, packet).value();
      const auto payload = packetizer.next(MutableByteView(packet).subspan(header.size())).value();
      const auto sealed = alice.protect_rtp(packet, header.size() + payload.size()).value();
      ASSERT_LE(sealed.size(), kMtu);

      // The SFU: demux, unprotect, read the DD, re-protect for Bob.
      Bytes wire(sealed.begin(), sealed.end());
      ASSERT_EQ(classify(wire), PacketKind::rtp);
      auto clear = sfu_from_alice.unprotect_rtp(wire).value();
      auto view = rtp::PacketView::parse(clear).value();
      auto seen = dd::parse(*view.find_extension(kDdId)).value();
      EXPECT_EQ(seen.start_of_frame, index == 0);
      if (seen.is_keyframe()) ++keyframes_seen_by_sfu;
      Bytes forward(clear.size() + kSrtpMaxOverhead);
      std::copy(clear.begin(), clear.end(), forward.begin());
      auto to_bob = sfu_to_bob.protect_rtp(forward, clear.size()).value();

      // Bob: unprotect and reassemble.
      Bytes at_bob(to_bob.begin(), to_bob.end());
      auto bob_clear = bob.unprotect_rtp(at_bob).value();
      ASSERT_TRUE(assembler.insert(rtp::PacketView::parse(bob_clear).value()));
      while (auto frame = assembler.pop_frame(out).value()) {
        received.emplace_back(frame->data.begin(), frame->data.end());
      }
      ++index;
    }
  }
  ASSERT_EQ(received.size(), frames.size());
  for (std::size_t f = 0; f < frames.size(); ++f) EXPECT_EQ(received[f], frames[f]);
  EXPECT_EQ(keyframes_seen_by_sfu, 1);
}

}  // namespace
}  // namespace ztm::net
