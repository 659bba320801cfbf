#include "ztm/net/dtls.h"

#include <gtest/gtest.h>

#include <thread>

#include "ztm/net/demux.h"
#include "ztm/net/rtp.h"

namespace ztm::net {
namespace {

using Clock = DtlsEndpoint::Clock;

struct Pair {
  DtlsCertificate client_cert = DtlsCertificate::generate().value();
  DtlsCertificate server_cert = DtlsCertificate::generate().value();
  std::optional<DtlsEndpoint> client, server;

  explicit Pair(std::optional<CertificateFingerprint> server_expects = std::nullopt,
                std::chrono::milliseconds rto = std::chrono::milliseconds(1000)) {
    DtlsConfig c;
    c.role = SrtpRole::client;
    c.remote_fingerprint = server_cert.fingerprint();
    c.initial_retransmit_timeout = rto;
    DtlsConfig s;
    s.role = SrtpRole::server;
    s.remote_fingerprint = server_expects.value_or(client_cert.fingerprint());
    s.initial_retransmit_timeout = rto;
    client = DtlsEndpoint::create(client_cert, c).value();
    server = DtlsEndpoint::create(server_cert, s).value();
  }

  // shuttle passes every queued datagram across until nothing moves; returns the
  // number of datagrams delivered.
  int shuttle() {
    int moved = 0;
    for (bool progress = true; progress;) {
      progress = false;
      while (auto d = client->pop_datagram()) {
        EXPECT_EQ(classify(*d), PacketKind::dtls);
        (void)server->handle_datagram(*d, Clock::now());
        progress = true;
        ++moved;
      }
      while (auto d = server->pop_datagram()) {
        EXPECT_EQ(classify(*d), PacketKind::dtls);
        (void)client->handle_datagram(*d, Clock::now());
        progress = true;
        ++moved;
      }
    }
    return moved;
  }
};

TEST(DtlsFingerprint, SdpFormRoundTrips) {
  const auto cert = DtlsCertificate::generate().value();
  const std::string sdp = cert.fingerprint().to_sdp();
  EXPECT_EQ(sdp.size(), 8u + 95u);
  EXPECT_EQ(sdp.substr(0, 8), "sha-256 ");
  EXPECT_EQ(CertificateFingerprint::from_sdp(sdp).value(), cert.fingerprint());
  std::string lower = sdp;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  lower.replace(0, 7, "SHA-256");
  EXPECT_EQ(CertificateFingerprint::from_sdp(lower).value(), cert.fingerprint());
  EXPECT_EQ(CertificateFingerprint::from_sdp("sha-1 AB:CD").error().code, Errc::unsupported);
  EXPECT_EQ(CertificateFingerprint::from_sdp("sha-256 AB:CD").error().code, Errc::invalid_encoding);
  std::string bad = sdp;
  bad[10] = ';';
  EXPECT_FALSE(CertificateFingerprint::from_sdp(bad));
  // Two certificates never share a fingerprint.
  EXPECT_NE(DtlsCertificate::generate().value().fingerprint(), cert.fingerprint());
}

TEST(Dtls, HandshakeDerivesMatchingSrtpKeys) {
  Pair p;
  ASSERT_TRUE(p.client->start(Clock::now()));
  ASSERT_TRUE(p.server->start(Clock::now()));
  EXPECT_FALSE(p.server->pop_datagram());  // the server speaks second
  EXPECT_TRUE(p.client->next_timeout());
  EXPECT_GT(p.shuttle(), 3);
  ASSERT_EQ(p.client->state(), DtlsState::connected) << p.client->failure();
  ASSERT_EQ(p.server->state(), DtlsState::connected) << p.server->failure();
  EXPECT_FALSE(p.client->next_timeout());

  auto ck = p.client->srtp_keys();
  auto sk = p.server->srtp_keys();
  ASSERT_TRUE(ck) << ck.error().what();
  ASSERT_TRUE(sk) << sk.error().what();
  EXPECT_EQ(ck->profile, SrtpProfile::aead_aes_128_gcm);  // first in our preference
  EXPECT_EQ(ck->role, SrtpRole::client);
  EXPECT_EQ(sk->role, SrtpRole::server);
  EXPECT_EQ(ck->keying_material.size(), 56u);
  EXPECT_TRUE(ck->keying_material == sk->keying_material);

  // The derived keys work: SRTP from the client opens at the server.
  auto client_srtp = SrtpSession::create(ck->profile, ck->role, ck->keying_material).value();
  auto server_srtp = SrtpSession::create(sk->profile, sk->role, sk->keying_material).value();
  Bytes buf(12 + 40 + kSrtpMaxOverhead);
  rtp::Header h;
  h.payload_type = 111;
  h.ssrc = 99;
  ASSERT_TRUE(rtp::write_header(h, buf));
  auto sealed = client_srtp.protect_rtp(buf, 52).value();
  Bytes copy(sealed.begin(), sealed.end());
  EXPECT_TRUE(server_srtp.unprotect_rtp(copy));
}

TEST(Dtls, FingerprintMismatchFailsTheHandshake) {
  const auto stranger = DtlsCertificate::generate().value();
  Pair p(stranger.fingerprint());
  ASSERT_TRUE(p.client->start(Clock::now()));
  p.shuttle();
  EXPECT_EQ(p.server->state(), DtlsState::failed);
  EXPECT_NE(p.server->failure().find("fingerprint"), std::string::npos) << p.server->failure();
  EXPECT_NE(p.client->state(), DtlsState::connected);
  EXPECT_EQ(p.server->srtp_keys().error().code, Errc::invalid_state);
  EXPECT_EQ(p.server->handle_datagram(Bytes(20, 22), Clock::now()).error().code,
            Errc::invalid_state);
}

TEST(Dtls, ClientRejectsAnImpostorServer) {
  // The server presents a certificate other than the one signaled to the client.
  Pair p;
  DtlsConfig c;
  c.role = SrtpRole::client;
  c.remote_fingerprint = DtlsCertificate::generate().value().fingerprint();
  p.client = DtlsEndpoint::create(p.client_cert, c).value();
  ASSERT_TRUE(p.client->start(Clock::now()));
  p.shuttle();
  EXPECT_EQ(p.client->state(), DtlsState::failed);
  EXPECT_NE(p.client->failure().find("fingerprint"), std::string::npos) << p.client->failure();
  EXPECT_NE(p.server->state(), DtlsState::connected);
}

TEST(Dtls, RetransmitsALostFlight) {
  // OpenSSL times retransmissions on the real clock (decision 0023), so this test
  // sleeps; 100 ms keeps it fast and far from scheduling noise.
  Pair p(std::nullopt, std::chrono::milliseconds(100));
  const auto t0 = Clock::now();
  ASSERT_TRUE(p.client->start(t0));
  // The ClientHello is lost.
  int lost = 0;
  while (p.client->pop_datagram()) ++lost;
  ASSERT_GT(lost, 0);
  auto deadline = p.client->next_timeout();
  ASSERT_TRUE(deadline);
  EXPECT_LE(*deadline, t0 + std::chrono::milliseconds(100));
  // Before the deadline nothing is resent.
  ASSERT_TRUE(p.client->handle_timeout(t0));
  EXPECT_FALSE(p.client->pop_datagram());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_TRUE(p.client->handle_timeout(Clock::now()));
  p.shuttle();
  EXPECT_EQ(p.client->state(), DtlsState::connected) << p.client->failure();
  EXPECT_EQ(p.server->state(), DtlsState::connected) << p.server->failure();
}

TEST(Dtls, CloseNotifyClosesThePeer) {
  Pair p;
  ASSERT_TRUE(p.client->start(Clock::now()));
  p.shuttle();
  ASSERT_EQ(p.server->state(), DtlsState::connected);
  p.client->close();
  EXPECT_EQ(p.client->state(), DtlsState::closed);
  p.shuttle();
  EXPECT_EQ(p.server->state(), DtlsState::closed);
}

TEST(Dtls, GarbageIsDiscardedAndTheHandshakeStillCompletes) {
  // RFC 6347 §4.1.2.7: invalid records are silently discarded, so an attacker who
  // can inject datagrams cannot tear the association down with junk.
  Pair p;
  const Bytes garbage(60, 22);
  EXPECT_TRUE(p.server->handle_datagram(garbage, Clock::now()));
  EXPECT_EQ(p.server->state(), DtlsState::handshaking);
  ASSERT_TRUE(p.client->start(Clock::now()));
  p.shuttle();
  EXPECT_EQ(p.server->state(), DtlsState::connected) << p.server->failure();
  EXPECT_TRUE(p.client->handle_datagram(garbage, Clock::now()));
  EXPECT_EQ(p.client->state(), DtlsState::connected);
}

TEST(Dtls, NegotiatesAesCmWhenTheClientOffersOnlyThat) {
  Pair p;
  DtlsConfig c;
  c.role = SrtpRole::client;
  c.remote_fingerprint = p.server_cert.fingerprint();
  c.srtp_profiles = {SrtpProfile::aes128_cm_sha1_80};
  p.client = DtlsEndpoint::create(p.client_cert, c).value();
  ASSERT_TRUE(p.client->start(Clock::now()));
  p.shuttle();
  ASSERT_EQ(p.server->state(), DtlsState::connected) << p.server->failure();
  auto ck = p.client->srtp_keys().value();
  auto sk = p.server->srtp_keys().value();
  EXPECT_EQ(ck.profile, SrtpProfile::aes128_cm_sha1_80);
  EXPECT_EQ(sk.profile, SrtpProfile::aes128_cm_sha1_80);
  EXPECT_EQ(ck.keying_material.size(), 60u);
  EXPECT_TRUE(ck.keying_material == sk.keying_material);
}

TEST(Dtls, NoCommonSrtpProfileFails) {
  Pair p;
  DtlsConfig s;
  s.role = SrtpRole::server;
  s.remote_fingerprint = p.client_cert.fingerprint();
  s.srtp_profiles = {SrtpProfile::aes128_cm_sha1_80};
  p.server = DtlsEndpoint::create(p.server_cert, s).value();
  DtlsConfig c;
  c.role = SrtpRole::client;
  c.remote_fingerprint = p.server_cert.fingerprint();
  c.srtp_profiles = {SrtpProfile::aead_aes_128_gcm};
  p.client = DtlsEndpoint::create(p.client_cert, c).value();
  ASSERT_TRUE(p.client->start(Clock::now()));
  p.shuttle();
  // OpenSSL's server completes without use_srtp; the client must then refuse.
  EXPECT_NE(p.client->state(), DtlsState::connected);
  EXPECT_FALSE(p.client->srtp_keys());
}

TEST(Dtls, RejectsBadConfig) {
  const auto cert = DtlsCertificate::generate().value();
  DtlsConfig c;
  c.max_datagram_size = 100;
  EXPECT_EQ(DtlsEndpoint::create(cert, c).error().code, Errc::invalid_argument);
  c.max_datagram_size = 1200;
  c.srtp_profiles.clear();
  EXPECT_EQ(DtlsEndpoint::create(cert, c).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace ztm::net
