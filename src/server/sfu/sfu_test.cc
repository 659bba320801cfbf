// The SFU and MediaLinks over real UDP sockets on loopback, with real ICE-lite
// checks, real DTLS 1.2 handshakes (OpenSSL), real SRTP (libsrtp2) and payloads that
// are real SFrame ciphertexts under a key only the participants hold.
#include "ztm/server/sfu.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ztm/crypto/random.h"
#include "ztm/net/media_link.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/rtp.h"
#include "ztm/net/stun.h"
#include "ztm/sframe/context.h"

namespace ztm::server {
namespace {

using namespace std::chrono_literals;
using net::LinkState;
using net::MediaLink;

// kWait bounds every wait for the network: a liveness guard, not a measurement.
constexpr auto kWait = 15s;

template <class Pred>
bool wait_until(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Participant: a MediaLink and everything it received.
struct Participant {
  std::string id;
  std::unique_ptr<MediaLink> link;
  mutable std::mutex mu;
  std::vector<Bytes> rtp;
  std::vector<Bytes> rtcp;

  std::size_t rtp_count() const {
    std::lock_guard lock(mu);
    return rtp.size();
  }
  std::vector<Bytes> rtp_copy() const {
    std::lock_guard lock(mu);
    return rtp;
  }
  std::vector<Bytes> rtcp_copy() const {
    std::lock_guard lock(mu);
    return rtcp;
  }
};

Bytes make_rtp(std::uint32_t ssrc, std::uint16_t seq, ByteView payload, bool marker = true) {
  Bytes packet(net::rtp::kFixedHeaderSize + payload.size());
  net::rtp::Header h;
  h.payload_type = 96;
  h.sequence_number = seq;
  h.timestamp = seq * 3000u;
  h.ssrc = ssrc;
  h.marker = marker;
  auto header = net::rtp::write_header(h, packet).value();
  std::copy(payload.begin(), payload.end(), packet.begin() + header.size());
  return packet;
}

class SfuLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    SfuConfig config;
    sfu_ = Sfu::create(config, [this](const TransportEvent& e) {
             std::lock_guard lock(events_mu_);
             events_.push_back(e);
           }).value();
  }

  // open creates a participant's link and registers it with the SFU. The offer's
  // fingerprint and the SFU fingerprint the link expects can be replaced to model a
  // man in the middle on either side.
  std::unique_ptr<Participant> open(const std::string& meeting, const std::string& id,
                                    std::optional<net::CertificateFingerprint> offered = {},
                                    std::optional<net::CertificateFingerprint> expected = {}) {
    auto p = std::make_unique<Participant>();
    p->id = id;
    Participant* raw = p.get();
    MediaLink::Callbacks cb;
    cb.on_rtp = [raw](ByteView b) {
      std::lock_guard lock(raw->mu);
      raw->rtp.emplace_back(b.begin(), b.end());
    };
    cb.on_rtcp = [raw](ByteView b) {
      std::lock_guard lock(raw->mu);
      raw->rtcp.emplace_back(b.begin(), b.end());
    };
    p->link = MediaLink::create({}, std::move(cb)).value();
    PeerOffer offer{
        {meeting, id}, p->link->local().ice, offered.value_or(p->link->local().fingerprint)};
    auto answer = sfu_->add_peer(offer).value();
    EXPECT_EQ(answer.fingerprint, sfu_->fingerprint());
    EXPECT_EQ(answer.candidate, sfu_->local_address());
    EXPECT_TRUE(p->link->connect(
        {answer.local_ice, expected.value_or(answer.fingerprint), answer.candidate}));
    return p;
  }

  std::unique_ptr<Participant> join(const std::string& meeting, const std::string& id) {
    auto p = open(meeting, id);
    EXPECT_TRUE(wait_until([&] { return p->link->state() == LinkState::connected; }))
        << id << " did not connect: " << net::link_state_name(p->link->state());
    EXPECT_TRUE(wait_until([&] { return has_event(meeting, id, TransportState::connected); }));
    return p;
  }

  bool has_event(const std::string& meeting, const std::string& id, TransportState s) {
    std::lock_guard lock(events_mu_);
    for (const auto& e : events_) {
      if (e.peer.meeting_id == meeting && e.peer.participant_id == id && e.state == s) {
        return true;
      }
    }
    return false;
  }

  std::mutex events_mu_;
  std::vector<TransportEvent> events_;
  std::unique_ptr<Sfu> sfu_;
};

TEST_F(SfuLoopback, ThreePeersReceiveEachOthersSframeCiphertextUnchanged) {
  std::vector<std::unique_ptr<Participant>> peers;
  for (const char* id : {"alice", "bob", "carol"}) peers.push_back(join("m1", id));

  // A frame key only the participants hold: the SFU API has no place to put one.
  const SecretBytes frame_key = crypto::random_secret(16);
  constexpr int kPackets = 20;
  // sent[i][n]: the RTP packet participant i sent; plain[i][n]: its frame plaintext.
  std::vector<std::vector<Bytes>> sent(3), plain(3);
  for (std::size_t i = 0; i < 3; ++i) {
    auto ctx = sframe::SendContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128,
                                           static_cast<sframe::KeyId>(i), frame_key)
                   .value();
    for (int n = 0; n < kPackets; ++n) {
      Bytes frame = crypto::random_bytes(100 + 37 * n);
      Bytes ciphertext = ctx.protect(frame, {}).value();
      sent[i].push_back(make_rtp(0x1000 + static_cast<std::uint32_t>(i),
                                 static_cast<std::uint16_t>(500 + n), ciphertext));
      plain[i].push_back(std::move(frame));
    }
  }
  for (int n = 0; n < kPackets; ++n) {
    for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(peers[i]->link->send_rtp(sent[i][n]));
    std::this_thread::sleep_for(1ms);  // pacing, as a real sender would
  }
  for (auto& p : peers) {
    ASSERT_TRUE(wait_until([&] { return p->rtp_count() >= 2 * kPackets; }))
        << p->id << " got " << p->rtp_count();
  }

  for (std::size_t r = 0; r < 3; ++r) {
    auto rx = sframe::ReceiveContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128).value();
    for (sframe::KeyId kid = 0; kid < 3; ++kid) ASSERT_TRUE(rx.add_key(kid, frame_key));
    const auto got = peers[r]->rtp_copy();
    EXPECT_EQ(got.size(), 2u * kPackets);
    std::size_t from_others = 0;
    for (const Bytes& packet : got) {
      auto view = net::rtp::PacketView::parse(packet).value();
      const std::size_t sender = view.ssrc() - 0x1000;
      ASSERT_LT(sender, 3u);
      EXPECT_NE(sender, r) << "a sender got its own packet back";
      const int n = view.sequence_number() - 500;
      ASSERT_GE(n, 0);
      ASSERT_LT(n, kPackets);
      // Byte-identical: header and SFrame ciphertext as the sender wrote them.
      EXPECT_EQ(packet, sent[sender][static_cast<std::size_t>(n)]);
      // And the receiver, holding the frame key, recovers the plaintext.
      auto opened = rx.unprotect(view.payload(), {});
      ASSERT_TRUE(opened) << opened.error().what();
      EXPECT_EQ(*opened, plain[sender][static_cast<std::size_t>(n)]);
      ++from_others;
    }
    EXPECT_EQ(from_others, 2u * kPackets);
  }

  const SfuStats stats = sfu_->stats();
  for (const auto& p : peers) {
    const PeerStats* s = stats.find("m1", p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->state, TransportState::connected);
    EXPECT_EQ(s->rtp_packets_in, static_cast<std::uint64_t>(kPackets));
    EXPECT_EQ(s->rtp_packets_out, 2u * kPackets);
    EXPECT_EQ(s->frames_in, static_cast<std::uint64_t>(kPackets));  // marker bits
  }
  EXPECT_EQ(stats.drops_of(DropReason::srtp_auth_failed), 0u);
}

TEST_F(SfuLoopback, MeetingsAreIsolated) {
  auto a = join("m1", "alice");
  auto b = join("m1", "bob");
  auto x = join("m2", "xavier");
  const Bytes payload = crypto::random_bytes(300);
  for (std::uint16_t n = 0; n < 5; ++n) ASSERT_TRUE(a->link->send_rtp(make_rtp(7, n, payload)));
  ASSERT_TRUE(wait_until([&] { return b->rtp_count() == 5; }));
  const SfuStats stats = sfu_->stats();
  EXPECT_EQ(stats.find("m2", "xavier")->rtp_packets_out, 0u);
  EXPECT_EQ(x->rtp_count(), 0u);
}

TEST_F(SfuLoopback, ParticipantWithAnotherDtlsCertificateIsRefused) {
  auto alice = join("m1", "alice");
  // Signaling was told one certificate; the participant presents another.
  const auto other = net::DtlsCertificate::generate("mallory").value();
  auto mallory = open("m1", "mallory", other.fingerprint());
  ASSERT_TRUE(wait_until([&] { return has_event("m1", "mallory", TransportState::failed); }));
  ASSERT_TRUE(wait_until([&] { return mallory->link->state() == LinkState::failed; }));
  EXPECT_FALSE(has_event("m1", "mallory", TransportState::connected));
  EXPECT_EQ(mallory->link->send_rtp(make_rtp(9, 1, crypto::random_bytes(50))).error().code,
            Errc::invalid_state);
  const SfuStats stats = sfu_->stats();
  const PeerStats* s = stats.find("m1", "mallory");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->state, TransportState::failed);
  EXPECT_GE(s->drops[static_cast<std::size_t>(DropReason::dtls_error)], 1u);
  EXPECT_EQ(alice->rtp_count(), 0u);
}

TEST_F(SfuLoopback, LinkRefusesAnSfuWithAnotherCertificate) {
  // The participant expects a different SFU certificate (a service in the middle).
  const auto other = net::DtlsCertificate::generate("fake-sfu").value();
  auto p = open("m1", "alice", std::nullopt, other.fingerprint());
  ASSERT_TRUE(wait_until([&] { return p->link->state() == LinkState::failed; }));
  EXPECT_FALSE(has_event("m1", "alice", TransportState::connected));
}

// A raw UDP socket playing an attacker that knows a peer's SFU ufrag but not its
// password.
TEST_F(SfuLoopback, StunWithoutValidMessageIntegrityIsIgnoredAndCounted) {
  auto alice = join("m1", "alice");
  auto link = MediaLink::create({}, {}).value();  // only for its credentials
  const auto answer =
      sfu_->add_peer({{"m1", "bob"}, link->local().ice, link->local().fingerprint}).value();

  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::udp::socket sock(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const asio::ip::udp::endpoint sfu_ep(asio::ip::make_address("127.0.0.1"),
                                       sfu_->local_address().port);
  net::ice::BindingRequestParams params;
  params.local_ufrag = link->local().ice.ufrag;
  params.remote = answer.local_ice;
  params.priority = 1;
  params.use_candidate = true;
  params.tiebreaker = 42;

  // 1. Integrity keyed with a wrong password.
  auto wrong = params;
  wrong.remote.pwd = "not-the-password-at-all-x";
  const Bytes forged =
      net::ice::make_binding_request(wrong, net::stun::new_transaction_id()).value();
  sock.send_to(asio::buffer(forged), sfu_ep);
  // 2. No MESSAGE-INTEGRITY at all (USERNAME, PRIORITY, ICE-CONTROLLING, FINGERPRINT).
  net::stun::MessageBuilder b(net::stun::MessageClass::request, net::stun::kBindingMethod,
                              net::stun::new_transaction_id());
  b.add_username(answer.local_ice.ufrag + ":" + link->local().ice.ufrag)
      .add_priority(1)
      .add_ice_controlling(42)
      .add_use_candidate();
  const Bytes unsigned_check = b.finish({}, true).value();
  sock.send_to(asio::buffer(unsigned_check), sfu_ep);
  // 3. DTLS from this unverified address: not accepted either.
  const Bytes dtls_junk = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA};
  sock.send_to(asio::buffer(dtls_junk), sfu_ep);
  // 4. A valid check: its answer must be the first datagram we get back, so the
  //    three before it were answered with nothing.
  const auto txid = net::stun::new_transaction_id();
  const Bytes good = net::ice::make_binding_request(params, txid).value();
  sock.send_to(asio::buffer(good), sfu_ep);
  std::array<std::uint8_t, 1500> buf{};
  asio::ip::udp::endpoint from;
  const std::size_t n = sock.receive_from(asio::buffer(buf), from);
  const auto reflexive =
      net::ice::check_binding_response(ByteView(buf.data(), n), txid, answer.local_ice.pwd);
  ASSERT_TRUE(reflexive) << reflexive.error().what();
  EXPECT_EQ(reflexive->port, sock.local_endpoint().port());

  const SfuStats stats = sfu_->stats();
  EXPECT_EQ(stats.drops_of(DropReason::stun_bad_integrity), 2u);
  EXPECT_EQ(stats.drops_of(DropReason::unknown_source), 1u);
  EXPECT_EQ(
      stats.find("m1", "bob")->drops[static_cast<std::size_t>(DropReason::stun_bad_integrity)], 2u);
  // An unknown ufrag is counted apart.
  params.remote.ufrag = "nobody00";
  sock.send_to(asio::buffer(net::ice::make_binding_request(params, txid).value()), sfu_ep);
  ASSERT_TRUE(
      wait_until([&] { return sfu_->stats().drops_of(DropReason::stun_unknown_ufrag) == 1u; }));
  EXPECT_EQ(alice->rtp_count(), 0u);
}

TEST_F(SfuLoopback, KeyframeRequestsAndNacksReachTheSender) {
  auto alice = join("m1", "alice");
  auto bob = join("m1", "bob");
  constexpr std::uint32_t kAliceVideo = 0xA1;
  constexpr std::uint32_t kBobRtcp = 0xB0;
  // The SFU learns which SSRC is Alice's from her media.
  ASSERT_TRUE(alice->link->send_rtp(make_rtp(kAliceVideo, 1, crypto::random_bytes(100))));
  ASSERT_TRUE(wait_until([&] { return bob->rtp_count() == 1; }));

  std::array<std::uint8_t, 64> buf{};
  ASSERT_TRUE(bob->link->send_rtcp(net::rtcp::write_pli(kBobRtcp, kAliceVideo, buf).value()));
  const std::uint16_t lost[] = {1, 3};
  ASSERT_TRUE(
      bob->link->send_rtcp(net::rtcp::write_nack(kBobRtcp, kAliceVideo, lost, buf).value()));
  ASSERT_TRUE(wait_until([&] { return alice->rtcp_copy().size() >= 2; }));
  const auto got = alice->rtcp_copy();
  auto first = net::rtcp::Compound::parse(got[0]).value();
  ASSERT_EQ(first.packets().size(), 1u);
  ASSERT_TRUE(net::rtcp::is_pli(first.packets()[0]));
  auto pli = net::rtcp::parse_feedback(first.packets()[0]).value();
  EXPECT_EQ(pli.sender_ssrc, kBobRtcp);
  EXPECT_EQ(pli.media_ssrc, kAliceVideo);
  auto second = net::rtcp::Compound::parse(got[1]).value();
  ASSERT_TRUE(net::rtcp::is_nack(second.packets()[0]));
  std::array<std::uint16_t, 17 * net::rtcp::kMaxNackItems> seqs{};
  auto nack = net::rtcp::parse_feedback(second.packets()[0]).value();
  ASSERT_EQ(net::rtcp::nack_lost(nack, seqs).value(), 2u);
  EXPECT_EQ(seqs[0], 1);
  EXPECT_EQ(seqs[1], 3);
  // Bob got nothing of his own feedback back.
  EXPECT_TRUE(bob->rtcp_copy().empty());

  // Signaling's hook when someone joins: the SFU asks Alice itself.
  ASSERT_TRUE(sfu_->request_keyframe({"m1", "alice"}));
  ASSERT_TRUE(wait_until([&] { return alice->rtcp_copy().size() >= 3; }));
  const auto all = alice->rtcp_copy();
  auto third = net::rtcp::Compound::parse(all[2]).value();
  ASSERT_TRUE(net::rtcp::is_pli(third.packets()[0]));
  auto own = net::rtcp::parse_feedback(third.packets()[0]).value();
  EXPECT_EQ(own.sender_ssrc, SfuCore::kSfuSsrc);
  EXPECT_EQ(own.media_ssrc, kAliceVideo);
  EXPECT_FALSE(sfu_->request_keyframe({"m1", "nobody"}));
}

TEST_F(SfuLoopback, RemovedPeerStopsReceiving) {
  auto alice = join("m1", "alice");
  auto bob = join("m1", "bob");
  auto carol = join("m1", "carol");
  const Bytes payload = crypto::random_bytes(200);
  ASSERT_TRUE(alice->link->send_rtp(make_rtp(1, 1, payload)));
  ASSERT_TRUE(wait_until([&] { return bob->rtp_count() == 1 && carol->rtp_count() == 1; }));

  ASSERT_TRUE(sfu_->remove_peer({"m1", "carol"}));
  EXPECT_FALSE(sfu_->remove_peer({"m1", "carol"}));
  // The SFU said goodbye with close_notify.
  ASSERT_TRUE(wait_until([&] { return carol->link->state() == LinkState::closed; }));
  const auto before = sfu_->stats().datagrams_out;
  for (std::uint16_t n = 2; n < 12; ++n)
    ASSERT_TRUE(alice->link->send_rtp(make_rtp(1, n, payload)));
  ASSERT_TRUE(wait_until([&] { return bob->rtp_count() == 11; }));
  const SfuStats stats = sfu_->stats();
  EXPECT_EQ(stats.find("m1", "carol"), nullptr);
  EXPECT_EQ(stats.datagrams_out - before, 10u);  // Bob's copies only
  EXPECT_EQ(carol->rtp_count(), 1u);
}

TEST_F(SfuLoopback, SsrcOfAnotherPeerIsNotForwarded) {
  auto alice = join("m1", "alice");
  auto bob = join("m1", "bob");
  auto carol = join("m1", "carol");
  ASSERT_TRUE(alice->link->send_rtp(make_rtp(77, 1, crypto::random_bytes(40))));
  ASSERT_TRUE(wait_until([&] { return carol->rtp_count() == 1; }));
  // Bob claims Alice's SSRC: dropped, so Carol's SRTP streams stay unambiguous.
  ASSERT_TRUE(bob->link->send_rtp(make_rtp(77, 2, crypto::random_bytes(40))));
  ASSERT_TRUE(wait_until([&] { return sfu_->stats().drops_of(DropReason::ssrc_conflict) == 1u; }));
  EXPECT_EQ(carol->rtp_count(), 1u);
}

// An SFU on a dual-stack wildcard socket ("::", advertising an IPv4 address) serves
// IPv4 participants through v4-mapped addresses, and a dual-stack link reaches it.
TEST(SfuDualStack, WildcardIpv6SocketServesIpv4Links) {
  SfuConfig config;
  config.bind_address = "::";
  config.advertised_address = "127.0.0.1";
  auto sfu = Sfu::create(config).value();
  EXPECT_EQ(sfu->local_address().family, net::TransportAddress::Family::ipv6);
  std::vector<std::unique_ptr<MediaLink>> links;
  std::mutex mu;
  std::size_t received = 0;
  for (const char* id : {"v4", "dual"}) {
    MediaLink::Callbacks cb;
    cb.on_rtp = [&](ByteView) {
      std::lock_guard lock(mu);
      ++received;
    };
    net::MediaLinkConfig lc;
    lc.bind_address = std::string(id) == "v4" ? "127.0.0.1" : "::";
    auto link = MediaLink::create(lc, std::move(cb)).value();
    auto answer = sfu->add_peer({{"m", id}, link->local().ice, link->local().fingerprint}).value();
    EXPECT_EQ(answer.candidate.to_string(), "127.0.0.1:" + std::to_string(answer.candidate.port));
    ASSERT_TRUE(link->connect({answer.local_ice, answer.fingerprint, answer.candidate}));
    links.push_back(std::move(link));
  }
  for (auto& link : links) {
    ASSERT_TRUE(wait_until([&] { return link->state() == LinkState::connected; }));
  }
  ASSERT_TRUE(links[0]->send_rtp(make_rtp(1, 1, crypto::random_bytes(64))));
  ASSERT_TRUE(links[1]->send_rtp(make_rtp(2, 1, crypto::random_bytes(64))));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return received == 2;
  }));
}

TEST(SfuApi, CandidateAddressesRoundTrip) {
  const auto v4 = net::parse_transport_address("192.0.2.7:3478").value();
  EXPECT_EQ(v4, net::TransportAddress::v4(192, 0, 2, 7, 3478));
  EXPECT_EQ(net::parse_transport_address(v4.to_string()).value(), v4);
  const auto v6 = net::parse_transport_address("[2001:db8::1]:5000").value();
  EXPECT_EQ(v6.family, net::TransportAddress::Family::ipv6);
  EXPECT_EQ(net::parse_transport_address(v6.to_string()).value(), v6);
  for (const char* bad : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "x:1",
                          "2001:db8::1:5000", "[1.2.3.4]:5", "1.2.3.4:12a"}) {
    EXPECT_FALSE(net::parse_transport_address(bad)) << bad;
  }
}

// What signaling can hand the SFU is exactly this: ids, ICE credentials, a DTLS
// fingerprint. Adding a field (say, a frame key) breaks these structured bindings.
TEST(SfuApi, PeerOfferAndAnswerCarryNoEndToEndKeyMaterial) {
  auto [peer, remote_ice, remote_fingerprint] = PeerOffer{};
  static_assert(std::is_same_v<decltype(peer), PeerKey>);
  static_assert(std::is_same_v<decltype(remote_ice), net::ice::IceCredentials>);
  static_assert(std::is_same_v<decltype(remote_fingerprint), net::CertificateFingerprint>);
  auto [local_ice, fingerprint, candidate] = PeerAnswer{};
  static_assert(std::is_same_v<decltype(local_ice), net::ice::IceCredentials>);
  static_assert(std::is_same_v<decltype(fingerprint), net::CertificateFingerprint>);
  static_assert(std::is_same_v<decltype(candidate), net::TransportAddress>);
  auto [meeting_id, participant_id] = PeerKey{};
  EXPECT_TRUE(meeting_id.empty() && participant_id.empty() && remote_ice.pwd.empty() &&
              local_ice.ufrag.empty() && candidate.port == 0 && peer.meeting_id.empty());
  EXPECT_EQ(remote_fingerprint, fingerprint);
}

TEST(SfuApi, IceCredentialsAreFreshAndWellFormed) {
  const auto a = generate_ice_credentials();
  const auto b = generate_ice_credentials();
  EXPECT_EQ(a.ufrag.size(), 8u);
  EXPECT_EQ(a.pwd.size(), 24u);
  EXPECT_NE(a.ufrag, b.ufrag);
  EXPECT_NE(a.pwd, b.pwd);
  EXPECT_EQ(a.ufrag.find(':'), std::string::npos);
}

}  // namespace
}  // namespace ztm::server
