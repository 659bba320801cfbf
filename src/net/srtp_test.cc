#include "ztm/net/srtp.h"

#include <gtest/gtest.h>

#include "ztm/crypto/random.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/rtp.h"

namespace ztm::net {
namespace {

Bytes rtp_packet(std::uint16_t seq, std::size_t payload_size) {
  Bytes buf(rtp::kFixedHeaderSize + payload_size + kSrtpMaxOverhead);
  rtp::Header h;
  h.payload_type = 96;
  h.sequence_number = seq;
  h.timestamp = 1234;
  h.ssrc = 0x5EC0DE;
  auto w = rtp::write_header(h, buf).value();
  for (std::size_t i = 0; i < payload_size; ++i) {
    buf[w.size() + i] = static_cast<std::uint8_t>(i * 3 + seq);
  }
  return buf;
}

class Srtp : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  void SetUp() override {
    km = crypto::random_secret(srtp_keying_material_size(GetParam()));
    client = SrtpSession::create(GetParam(), SrtpRole::client, km).value();
    server = SrtpSession::create(GetParam(), SrtpRole::server, km).value();
  }
  SecretBytes km;
  std::optional<SrtpSession> client, server;
};

TEST_P(Srtp, ClientAndServerProtectForEachOther) {
  for (std::uint16_t seq : {1, 2, 3, 100}) {
    Bytes buf = rtp_packet(seq, 1200);
    const Bytes plain(buf.begin(), buf.end() - kSrtpMaxOverhead);
    auto sealed = client->protect_rtp(buf, plain.size());
    ASSERT_TRUE(sealed) << sealed.error().what();
    EXPECT_GT(sealed->size(), plain.size());
    EXPECT_FALSE(equal(sealed->subspan(12, 100), ByteView(plain).subspan(12, 100)));
    // The server's receive keys are the client's send keys (RFC 5764 §4.2).
    Bytes copy(sealed->begin(), sealed->end());
    auto opened = server->unprotect_rtp(copy);
    ASSERT_TRUE(opened) << opened.error().what();
    EXPECT_TRUE(equal(*opened, plain));
  }
  // And the other way.
  Bytes buf = rtp_packet(7, 300);
  const Bytes plain(buf.begin(), buf.end() - kSrtpMaxOverhead);
  auto sealed = server->protect_rtp(buf, plain.size()).value();
  Bytes copy(sealed.begin(), sealed.end());
  EXPECT_TRUE(equal(client->unprotect_rtp(copy).value(), plain));
}

TEST_P(Srtp, OwnPacketsDoNotDecryptWithOwnReceiveKeys) {
  Bytes buf = rtp_packet(1, 100);
  auto sealed = client->protect_rtp(buf, buf.size() - kSrtpMaxOverhead).value();
  Bytes copy(sealed.begin(), sealed.end());
  EXPECT_EQ(client->unprotect_rtp(copy).error().code, Errc::authentication_failed);
}

TEST_P(Srtp, TamperingIsDetected) {
  Bytes buf = rtp_packet(9, 500);
  auto sealed = client->protect_rtp(buf, buf.size() - kSrtpMaxOverhead).value();
  for (std::size_t at : {std::size_t{1}, std::size_t{20}, sealed.size() - 1}) {
    Bytes copy(sealed.begin(), sealed.end());
    copy[at] ^= 0x01;
    EXPECT_EQ(server->unprotect_rtp(copy).error().code, Errc::authentication_failed) << at;
  }
}

TEST_P(Srtp, ReplayIsRejected) {
  Bytes buf = rtp_packet(42, 100);
  auto sealed = client->protect_rtp(buf, buf.size() - kSrtpMaxOverhead).value();
  Bytes first(sealed.begin(), sealed.end()), again(sealed.begin(), sealed.end());
  ASSERT_TRUE(server->unprotect_rtp(first));
  EXPECT_EQ(server->unprotect_rtp(again).error().code, Errc::replay);
  // Sending a sequence number twice is refused at the sender as well.
  Bytes twice = rtp_packet(42, 100);
  EXPECT_EQ(client->protect_rtp(twice, twice.size() - kSrtpMaxOverhead).error().code, Errc::replay);
}

TEST_P(Srtp, RtcpRoundTripAndTamper) {
  Bytes buf(12 + kSrtcpMaxOverhead);
  const auto pli = rtcp::write_pli(1, 2, buf).value();
  const Bytes plain(pli.begin(), pli.end());
  auto sealed = server->protect_rtcp(buf, plain.size());
  ASSERT_TRUE(sealed) << sealed.error().what();
  Bytes copy(sealed->begin(), sealed->end());
  Bytes bad = copy;
  bad[9] ^= 0x80;
  EXPECT_EQ(client->unprotect_rtcp(bad).error().code, Errc::authentication_failed);
  auto opened = client->unprotect_rtcp(copy);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_TRUE(equal(*opened, plain));
}

TEST_P(Srtp, NeedsRoomForTheTag) {
  Bytes buf = rtp_packet(1, 100);
  const std::size_t packet_size = buf.size() - kSrtpMaxOverhead;
  EXPECT_EQ(
      client->protect_rtp(MutableByteView(buf).first(buf.size() - 1), packet_size).error().code,
      Errc::buffer_too_small);
}

INSTANTIATE_TEST_SUITE_P(Profiles, Srtp,
                         ::testing::Values(SrtpProfile::aead_aes_128_gcm,
                                           SrtpProfile::aes128_cm_sha1_80));

TEST(SrtpKeys, SizesAndWrongMaterial) {
  EXPECT_EQ(srtp_keying_material_size(SrtpProfile::aead_aes_128_gcm), 56u);
  EXPECT_EQ(srtp_keying_material_size(SrtpProfile::aes128_cm_sha1_80), 60u);
  EXPECT_EQ(SrtpSession::create(SrtpProfile::aead_aes_128_gcm, SrtpRole::client, SecretBytes(60))
                .error()
                .code,
            Errc::invalid_key);
}

TEST(SrtpKeys, UsesTheRfc5764Layout) {
  // A client whose keying material differs only in the *server* write half still
  // sends packets the server accepts: the client's send key is the first key and
  // first salt only.
  const auto profile = SrtpProfile::aead_aes_128_gcm;
  SecretBytes km = crypto::random_secret(56);
  SecretBytes altered = km;
  altered.mutable_data()[16] ^= 1;       // server_write_key
  altered.mutable_data()[32 + 12] ^= 1;  // server_write_salt
  auto client = SrtpSession::create(profile, SrtpRole::client, altered).value();
  auto server = SrtpSession::create(profile, SrtpRole::server, km).value();
  Bytes buf = rtp_packet(5, 64);
  auto sealed = client.protect_rtp(buf, buf.size() - kSrtpMaxOverhead).value();
  Bytes copy(sealed.begin(), sealed.end());
  EXPECT_TRUE(server.unprotect_rtp(copy));
  // The server's packets now fail at the client: its receive half was altered.
  Bytes back = rtp_packet(6, 64);
  auto sealed_back = server.protect_rtp(back, back.size() - kSrtpMaxOverhead).value();
  Bytes copy_back(sealed_back.begin(), sealed_back.end());
  EXPECT_EQ(client.unprotect_rtp(copy_back).error().code, Errc::authentication_failed);
}

}  // namespace
}  // namespace ztm::net
