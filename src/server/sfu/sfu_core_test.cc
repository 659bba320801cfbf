// SfuCore in memory with a clock the test moves: the keyframe logic (Dependency
// Descriptor), timers and consent, which real sockets cannot test deterministically.
// Clients here are real DTLS endpoints and SRTP sessions, wired to the core by hand.
#include "ztm/server/sfu_core.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "ztm/crypto/random.h"
#include "ztm/net/demux.h"
#include "ztm/net/dependency_descriptor.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/rtp.h"
#include "ztm/net/srtp.h"
#include "ztm/net/stun.h"

namespace ztm::server {
namespace {

using Clock = SfuCore::Clock;
using namespace std::chrono_literals;
constexpr std::uint8_t kDdId = 3;

// Wire: the SFU's output, queued per destination port.
struct Wire : SfuOutput {
  std::map<std::uint16_t, std::deque<Bytes>> inbox;
  std::vector<TransportEvent> events;
  bool send(const net::TransportAddress& to, ByteView d) override {
    inbox[to.port].emplace_back(d.begin(), d.end());
    return true;
  }
  void on_transport(const TransportEvent& e) override { events.push_back(e); }
  bool saw(const std::string& id, TransportState s) const {
    for (const auto& e : events) {
      if (e.peer.participant_id == id && e.state == s) return true;
    }
    return false;
  }
};

struct Client {
  PeerKey key;
  net::TransportAddress address;
  net::ice::IceCredentials ice;
  PeerAnswer answer;
  std::optional<net::DtlsEndpoint> dtls;
  std::optional<net::SrtpSession> srtp;
};

class SfuCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::TransportAddress candidate = net::TransportAddress::v4(10, 0, 0, 1, 3478);
    SfuCoreConfig config;
    config.candidate = candidate;
    config.dependency_descriptor_id = kDdId;
    core_ = SfuCore::create(cert_, config, wire_).value();
  }

  // connect runs an ICE check and a DTLS handshake between a new client and the core.
  Client connect(const std::string& id, std::uint16_t port) {
    Client c;
    c.key = {"m", id};
    c.address = net::TransportAddress::v4(192, 0, 2, 9, port);
    const auto client_cert = net::DtlsCertificate::generate(id).value();
    const auto ice = generate_ice_credentials();
    const auto answer =
        core_->add_peer({c.key, ice, client_cert.fingerprint()}, generate_ice_credentials(), now_)
            .value();
    c.ice = ice;
    c.answer = answer;
    net::ice::BindingRequestParams check{ice.ufrag, answer.local_ice, 1, true, 7};
    Bytes request = net::ice::make_binding_request(check, net::stun::new_transaction_id()).value();
    core_->handle_datagram(c.address, request, now_);
    EXPECT_EQ(wire_.inbox[port].size(), 1u);  // the Binding success response
    wire_.inbox[port].clear();
    c.dtls.emplace(
        net::DtlsEndpoint::create(client_cert, {net::SrtpRole::client, answer.fingerprint})
            .value());
    EXPECT_TRUE(c.dtls->start(now_));
    for (int round = 0; round < 10 && c.dtls->state() == net::DtlsState::handshaking; ++round) {
      while (auto d = c.dtls->pop_datagram()) core_->handle_datagram(c.address, *d, now_);
      auto& in = wire_.inbox[port];
      while (!in.empty()) {
        EXPECT_TRUE(c.dtls->handle_datagram(in.front(), now_));
        in.pop_front();
      }
    }
    EXPECT_EQ(c.dtls->state(), net::DtlsState::connected);
    auto keys = c.dtls->srtp_keys().value();
    c.srtp.emplace(net::SrtpSession::create(keys.profile, keys.role, keys.keying_material).value());
    return c;
  }

  // send_video sends one single-packet video frame with a Dependency Descriptor.
  void send_video(Client& c, std::uint16_t seq, bool keyframe) {
    net::dd::DependencyDescriptor d;
    d.start_of_frame = d.end_of_frame = true;
    d.frame_number = seq;
    if (keyframe) {
      net::dd::TemplateStructure s;
      s.templates = {{0, 0, {net::dd::Dti::switch_}, {}, {}},
                     {0, 0, {net::dd::Dti::switch_}, {1}, {}}};
      d.structure = s;
    } else {
      d.frame_dependency_template_id = 1;
    }
    const Bytes dd_bytes = net::dd::serialize(d).value();
    const net::rtp::Extension ext[] = {{kDdId, dd_bytes}};
    net::rtp::Header h;
    h.payload_type = 96;
    h.sequence_number = seq;
    h.ssrc = kVideoSsrc;
    h.marker = true;
    h.extensions = ext;
    Bytes packet(1200);
    const auto header = net::rtp::write_header(h, packet).value();
    const Bytes payload = crypto::random_bytes(100);
    std::copy(payload.begin(), payload.end(), packet.begin() + header.size());
    auto sealed = c.srtp->protect_rtp(packet, header.size() + payload.size()).value();
    core_->handle_datagram(c.address, sealed, now_);
  }

  // received returns the sequence numbers of the RTP c got, and its RTCP packets.
  std::vector<std::uint16_t> take_rtp(Client& c, std::vector<Bytes>* rtcp = nullptr) {
    std::vector<std::uint16_t> seqs;
    auto& in = wire_.inbox[c.address.port];
    for (Bytes& d : in) {
      if (net::classify(d) == net::PacketKind::rtp) {
        auto clear = c.srtp->unprotect_rtp(d).value();
        seqs.push_back(net::rtp::PacketView::parse(clear).value().sequence_number());
      } else if (net::classify(d) == net::PacketKind::rtcp && rtcp != nullptr) {
        auto clear = c.srtp->unprotect_rtcp(d).value();
        rtcp->emplace_back(clear.begin(), clear.end());
      }
    }
    in.clear();
    return seqs;
  }

  static constexpr std::uint32_t kVideoSsrc = 0xF00D;
  net::DtlsCertificate cert_ = net::DtlsCertificate::generate("sfu").value();
  Wire wire_;
  std::unique_ptr<SfuCore> core_;
  Clock::time_point now_ = Clock::now();
};

bool is_pli_for(ByteView rtcp, std::uint32_t media_ssrc) {
  auto compound = net::rtcp::Compound::parse(rtcp);
  if (!compound) return false;
  for (const auto& p : compound->packets()) {
    if (net::rtcp::is_pli(p) && net::rtcp::parse_feedback(p).value().media_ssrc == media_ssrc) {
      return true;
    }
  }
  return false;
}

TEST_F(SfuCoreTest, LateJoinerGetsVideoFromTheNextKeyframeAndTheSenderIsAsked) {
  Client alice = connect("alice", 5000);
  Client bob = connect("bob", 5001);
  send_video(alice, 1, true);
  send_video(alice, 2, false);
  EXPECT_EQ(take_rtp(bob), (std::vector<std::uint16_t>{1, 2}));
  EXPECT_EQ(core_->stats().find("m", "alice")->keyframes_in, 1u);

  // Carol joins mid-stream: the SFU asks Alice for a keyframe right away.
  Client carol = connect("carol", 5002);
  std::vector<Bytes> alice_rtcp;
  take_rtp(alice, &alice_rtcp);
  ASSERT_EQ(alice_rtcp.size(), 1u);
  EXPECT_TRUE(is_pli_for(alice_rtcp[0], kVideoSsrc));

  // A delta frame is useless to Carol's decoder: Bob gets it, Carol does not.
  send_video(alice, 3, false);
  EXPECT_EQ(take_rtp(bob), (std::vector<std::uint16_t>{3}));
  EXPECT_TRUE(take_rtp(carol).empty());
  EXPECT_EQ(core_->stats()
                .find("m", "carol")
                ->drops[static_cast<std::size_t>(DropReason::waiting_for_keyframe)],
            1u);
  // The keyframe arrives: from there on Carol gets everything.
  send_video(alice, 4, true);
  send_video(alice, 5, false);
  EXPECT_EQ(take_rtp(carol), (std::vector<std::uint16_t>{4, 5}));
  EXPECT_EQ(take_rtp(bob), (std::vector<std::uint16_t>{4, 5}));
  const auto stats = core_->stats();
  EXPECT_EQ(stats.find("m", "alice")->frames_in, 5u);
  EXPECT_EQ(stats.find("m", "alice")->keyframes_in, 2u);
}

TEST_F(SfuCoreTest, ANewNominationMovesTheMediaPath) {
  Client alice = connect("alice", 5000);
  Client bob = connect("bob", 5001);
  // Bob's NAT rebinds: his next check, from a new port, nominates that path.
  const auto moved = net::TransportAddress::v4(192, 0, 2, 9, 6001);
  net::ice::BindingRequestParams check{bob.ice.ufrag, bob.answer.local_ice, 1, true, 7};
  Bytes request = net::ice::make_binding_request(check, net::stun::new_transaction_id()).value();
  core_->handle_datagram(moved, request, now_);
  EXPECT_EQ(wire_.inbox[6001].size(), 1u);  // answered at the new address
  wire_.inbox[6001].clear();
  send_video(alice, 1, true);
  EXPECT_TRUE(take_rtp(bob).empty());  // nothing to the old port any more
  bob.address = moved;
  EXPECT_EQ(take_rtp(bob), (std::vector<std::uint16_t>{1}));
  EXPECT_EQ(core_->stats().find("m", "bob")->selected, moved);
}

TEST_F(SfuCoreTest, ConsentExpiryFailsTheTransport) {
  Client alice = connect("alice", 5000);
  ASSERT_TRUE(wire_.saw("alice", TransportState::connected));
  core_->handle_timer(now_ + 29s);
  EXPECT_FALSE(wire_.saw("alice", TransportState::failed));
  core_->handle_timer(now_ + 31s);  // RFC 7675: no check answered for 30 s
  EXPECT_TRUE(wire_.saw("alice", TransportState::failed));
}

TEST_F(SfuCoreTest, PeerThatNeverConnectsTimesOut) {
  const auto cert = net::DtlsCertificate::generate("x").value();
  ASSERT_TRUE(core_->add_peer({{"m", "slow"}, generate_ice_credentials(), cert.fingerprint()},
                              generate_ice_credentials(), now_));
  core_->handle_timer(now_ + 1s);
  EXPECT_FALSE(wire_.saw("slow", TransportState::failed));
  core_->handle_timer(now_ + SfuCoreConfig{}.connect_timeout + 1s);
  EXPECT_TRUE(wire_.saw("slow", TransportState::failed));
}

TEST_F(SfuCoreTest, AddPeerChecksItsArguments) {
  const auto fp = cert_.fingerprint();
  const auto ice = generate_ice_credentials();
  const auto local = generate_ice_credentials();
  ASSERT_TRUE(core_->add_peer({{"m", "a"}, ice, fp}, local, now_));
  // Same participant twice, same SFU ufrag twice, empty ids, short password.
  EXPECT_FALSE(core_->add_peer({{"m", "a"}, ice, fp}, generate_ice_credentials(), now_));
  EXPECT_FALSE(core_->add_peer({{"m", "b"}, ice, fp}, local, now_));
  EXPECT_FALSE(core_->add_peer({{"", "c"}, ice, fp}, generate_ice_credentials(), now_));
  EXPECT_FALSE(core_->add_peer({{"m", "d"}, ice, fp}, {"abcd", "short"}, now_));
  EXPECT_EQ(core_->peer_count(), 1u);
  EXPECT_TRUE(core_->remove_peer({"m", "a"}));
  EXPECT_EQ(core_->peer_count(), 0u);
}

TEST_F(SfuCoreTest, ForgedSrtpFromAVerifiedAddressIsDropped) {
  Client alice = connect("alice", 5000);
  Client bob = connect("bob", 5001);
  Bytes packet(200, 0);
  net::rtp::Header h;
  h.payload_type = 96;
  h.ssrc = 1;
  h.sequence_number = 1;
  (void)net::rtp::write_header(h, packet);
  packet.resize(packet.size() + 16);  // a "tag" of zeros: not authentic
  core_->handle_datagram(alice.address, packet, now_);
  EXPECT_TRUE(take_rtp(bob).empty());
  EXPECT_EQ(core_->stats().drops_of(DropReason::srtp_auth_failed), 1u);
}

}  // namespace
}  // namespace ztm::server
