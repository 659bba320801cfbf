#include "ztm/crypto/kem.h"

#include <gtest/gtest.h>

#include "internal/test_hex.h"

namespace ztm::crypto {
namespace {

using testing::h;

const KemId kAll[] = {KemId::dhkem_p256_sha256, KemId::dhkem_p384_sha384, KemId::dhkem_p521_sha512,
                      KemId::dhkem_x25519_sha256, KemId::dhkem_x448_sha512};

// RFC 7748 §6.1.
TEST(DhPrivateKey, X25519Rfc7748) {
  auto alice =
      DhPrivateKey::from_raw(KemId::dhkem_x25519_sha256,
                             h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  auto bob =
      DhPrivateKey::from_raw(KemId::dhkem_x25519_sha256,
                             h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  ASSERT_TRUE(alice);
  ASSERT_TRUE(bob);
  EXPECT_EQ(alice->public_key(),
            h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
  EXPECT_EQ(bob->public_key(),
            h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  const Bytes shared = h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  auto ab = alice->dh(bob->public_key());
  auto ba = bob->dh(alice->public_key());
  ASSERT_TRUE(ab);
  ASSERT_TRUE(ba);
  EXPECT_EQ(to_bytes(ab->expose()), shared);
  EXPECT_EQ(to_bytes(ba->expose()), shared);
}

TEST(DhPrivateKey, AgreementRoundTripAndSizes) {
  for (auto kem : kAll) {
    SCOPED_TRACE(static_cast<int>(kem));
    auto a = DhPrivateKey::generate(kem);
    auto b = DhPrivateKey::generate(kem);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(a->kem(), kem);
    EXPECT_EQ(a->public_key().size(), kem_public_key_size(kem));
    EXPECT_TRUE(validate_public_key(kem, a->public_key()));
    auto ab = a->dh(b->public_key());
    auto ba = b->dh(a->public_key());
    ASSERT_TRUE(ab) << ab.error().what();
    ASSERT_TRUE(ba);
    EXPECT_TRUE(*ab == *ba);
    auto raw = a->export_raw();
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), kem_private_key_size(kem));
    auto again = DhPrivateKey::from_raw(kem, raw->expose());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->public_key(), a->public_key());
    DhPrivateKey copy = *again;
    EXPECT_EQ(copy.public_key(), a->public_key());
  }
  EXPECT_EQ(kem_secret_size(KemId::dhkem_p521_sha512), 64u);
  EXPECT_EQ(kem_private_key_size(KemId::dhkem_p521_sha512), 66u);
  EXPECT_EQ(kem_public_key_size(KemId::dhkem_x448_sha512), 56u);
}

TEST(DhPrivateKey, RejectsSmallOrderPointsWithZeroSecret) {
  auto key = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  ASSERT_TRUE(key);
  // u = 0 and u = 1 are small-order points: the X25519 result is all zeros.
  Bytes one(32, 0);
  one[0] = 1;
  EXPECT_EQ(key->dh(Bytes(32, 0)).error().code, Errc::invalid_key);
  EXPECT_EQ(key->dh(one).error().code, Errc::invalid_key);
  auto key448 = DhPrivateKey::generate(KemId::dhkem_x448_sha512);
  ASSERT_TRUE(key448);
  EXPECT_EQ(key448->dh(Bytes(56, 0)).error().code, Errc::invalid_key);
}

TEST(DhPrivateKey, RejectsInvalidNistPoints) {
  for (auto kem : {KemId::dhkem_p256_sha256, KemId::dhkem_p384_sha384, KemId::dhkem_p521_sha512}) {
    auto key = DhPrivateKey::generate(kem);
    ASSERT_TRUE(key);
    Bytes off_curve = key->public_key();
    off_curve.back() ^= 1;
    EXPECT_EQ(key->dh(off_curve).error().code, Errc::invalid_key);
    EXPECT_EQ(validate_public_key(kem, off_curve).error().code, Errc::invalid_key);
    EXPECT_EQ(validate_public_key(kem, Bytes{0x00}).error().code, Errc::invalid_key);
    Bytes wrong_prefix = key->public_key();
    wrong_prefix[0] = 0x02;
    EXPECT_EQ(validate_public_key(kem, wrong_prefix).error().code, Errc::invalid_key);
    // Coordinates all zero: not on any of these curves.
    Bytes zero(kem_public_key_size(kem), 0);
    zero[0] = 0x04;
    EXPECT_EQ(validate_public_key(kem, zero).error().code, Errc::invalid_key);
  }
}

TEST(DhPrivateKey, RejectsOutOfRangePrivateKeys) {
  EXPECT_EQ(DhPrivateKey::from_raw(KemId::dhkem_p256_sha256, Bytes(32, 0)).error().code,
            Errc::invalid_key);
  EXPECT_EQ(DhPrivateKey::from_raw(KemId::dhkem_p256_sha256, Bytes(32, 0xff)).error().code,
            Errc::invalid_key);
  EXPECT_EQ(DhPrivateKey::from_raw(KemId::dhkem_p521_sha512, Bytes(66, 0xff)).error().code,
            Errc::invalid_key);
  EXPECT_EQ(DhPrivateKey::from_raw(KemId::dhkem_x25519_sha256, Bytes(31, 1)).error().code,
            Errc::invalid_key);
  EXPECT_EQ(DhPrivateKey::generate(static_cast<KemId>(0x30)).error().code, Errc::unsupported);
  EXPECT_EQ(validate_public_key(KemId::dhkem_x25519_sha256, Bytes(31, 1)).error().code,
            Errc::invalid_key);
}

}  // namespace
}  // namespace ztm::crypto
