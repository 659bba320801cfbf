#include "ztm/crypto/hpke.h"

#include <gtest/gtest.h>

#include "internal/test_hex.h"

namespace ztm::crypto {
namespace {

const KemId kKems[] = {KemId::dhkem_p256_sha256, KemId::dhkem_p384_sha384, KemId::dhkem_p521_sha512,
                       KemId::dhkem_x25519_sha256, KemId::dhkem_x448_sha512};
const HashId kKdfs[] = {HashId::sha256, HashId::sha384, HashId::sha512};
const AeadId kAeads[] = {AeadId::aes128gcm, AeadId::aes256gcm, AeadId::chacha20poly1305};

Hpke make(KemId kem, HashId kdf, AeadId aead) {
  auto hpke = Hpke::create({kem, kdf, aead});
  EXPECT_TRUE(hpke);
  return *hpke;
}

SecretBytes psk() {
  return SecretBytes(as_bytes("0123456789abcdef0123456789abcdef"));
}

// Every KEM x KDF x AEAD, including P-384 with HKDF-SHA384 (MLS suite 7), for which
// the official file has no vectors: sender and receiver must agree across messages.
TEST(Hpke, BaseModeRoundTripEverySuite) {
  for (auto kem : kKems) {
    for (auto kdf : kKdfs) {
      for (auto aead : kAeads) {
        SCOPED_TRACE(::testing::Message()
                     << "kem " << static_cast<int>(kem) << " kdf " << static_cast<int>(kdf)
                     << " aead " << static_cast<int>(aead));
        const Hpke hpke = make(kem, kdf, aead);
        auto skR = DhPrivateKey::generate(kem);
        ASSERT_TRUE(skR);
        auto sender = hpke.setup_sender(skR->public_key(), as_bytes("info"));
        ASSERT_TRUE(sender) << sender.error().what();
        EXPECT_EQ(sender->enc.size(), kem_public_key_size(kem));
        auto receiver = hpke.setup_receiver(sender->enc, *skR, as_bytes("info"));
        ASSERT_TRUE(receiver);
        for (int i = 0; i < 3; ++i) {
          const Bytes pt = to_bytes("message " + std::to_string(i));
          auto ct = sender->context.seal(as_bytes("aad"), pt);
          ASSERT_TRUE(ct);
          auto opened = receiver->open(as_bytes("aad"), *ct);
          ASSERT_TRUE(opened);
          EXPECT_EQ(*opened, pt);
        }
        auto e1 = sender->context.export_secret(as_bytes("ctx"), 42);
        auto e2 = receiver->export_secret(as_bytes("ctx"), 42);
        ASSERT_TRUE(e1);
        ASSERT_TRUE(e2);
        EXPECT_TRUE(*e1 == *e2);
        EXPECT_EQ(e1->size(), 42u);
      }
    }
  }
}

TEST(Hpke, P384Sha384DeriveKeyPairIsDeterministicAndValid) {
  const Hpke hpke = make(KemId::dhkem_p384_sha384, HashId::sha384, AeadId::aes256gcm);
  auto a = hpke.derive_key_pair(Bytes(48, 7));
  auto b = hpke.derive_key_pair(Bytes(48, 7));
  auto c = hpke.derive_key_pair(Bytes(48, 8));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  ASSERT_TRUE(c);
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_NE(a->public_key(), c->public_key());
  EXPECT_TRUE(validate_public_key(KemId::dhkem_p384_sha384, a->public_key()));
  auto sealed = hpke.seal(a->public_key(), as_bytes("i"), as_bytes("a"), as_bytes("pt"));
  ASSERT_TRUE(sealed);
  auto opened = hpke.open(sealed->enc, *b, as_bytes("i"), as_bytes("a"), sealed->ciphertext);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, to_bytes("pt"));
}

TEST(Hpke, AllModesRoundTripAndMismatchesFail) {
  const Hpke hpke = make(KemId::dhkem_x25519_sha256, HashId::sha256, AeadId::aes128gcm);
  auto skR = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  auto skS = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  auto other = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  ASSERT_TRUE(skR && skS && other);
  for (bool use_psk : {false, true}) {
    for (bool use_auth : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "psk " << use_psk << " auth " << use_auth);
      HpkeSenderOptions so;
      HpkeReceiverOptions ro;
      if (use_psk) {
        so.psk = psk();
        so.psk_id = to_bytes("id");
        ro.psk = psk();
        ro.psk_id = to_bytes("id");
      }
      if (use_auth) {
        so.sender_key = &*skS;
        ro.sender_public_key = skS->public_key();
      }
      auto sealed =
          hpke.seal(skR->public_key(), as_bytes("info"), as_bytes("aad"), as_bytes("hello"), so);
      ASSERT_TRUE(sealed) << sealed.error().what();
      auto opened =
          hpke.open(sealed->enc, *skR, as_bytes("info"), as_bytes("aad"), sealed->ciphertext, ro);
      ASSERT_TRUE(opened) << opened.error().what();
      EXPECT_EQ(*opened, to_bytes("hello"));
      // Wrong info, wrong recipient key: authentication fails.
      EXPECT_EQ(
          hpke.open(sealed->enc, *skR, as_bytes("other"), as_bytes("aad"), sealed->ciphertext, ro)
              .error()
              .code,
          Errc::authentication_failed);
      EXPECT_EQ(
          hpke.open(sealed->enc, *other, as_bytes("info"), as_bytes("aad"), sealed->ciphertext, ro)
              .error()
              .code,
          Errc::authentication_failed);
      if (use_auth) {
        HpkeReceiverOptions wrong = ro;
        wrong.sender_public_key = other->public_key();
        EXPECT_FALSE(hpke.open(sealed->enc, *skR, as_bytes("info"), as_bytes("aad"),
                               sealed->ciphertext, wrong));
      }
      if (use_psk) {
        HpkeReceiverOptions wrong = ro;
        wrong.psk = SecretBytes(as_bytes("another psk of thirty-two bytes!"));
        EXPECT_FALSE(hpke.open(sealed->enc, *skR, as_bytes("info"), as_bytes("aad"),
                               sealed->ciphertext, wrong));
      }
    }
  }
}

// RFC 9180 §5.1.1 VerifyPSKInputs.
TEST(Hpke, PskInputChecks) {
  const Hpke hpke = make(KemId::dhkem_x25519_sha256, HashId::sha256, AeadId::aes128gcm);
  const Bytes ss(32, 1);
  const Bytes p(32, 2);
  const Bytes id = to_bytes("id");
  EXPECT_EQ(hpke.key_schedule(HpkeMode::psk, ss, {}, p, {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(hpke.key_schedule(HpkeMode::psk, ss, {}, {}, id).error().code, Errc::invalid_argument);
  EXPECT_EQ(hpke.key_schedule(HpkeMode::base, ss, {}, p, id).error().code, Errc::invalid_argument);
  EXPECT_EQ(hpke.key_schedule(HpkeMode::auth, ss, {}, p, id).error().code, Errc::invalid_argument);
  EXPECT_EQ(hpke.key_schedule(HpkeMode::psk, ss, {}, {}, {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(hpke.key_schedule(HpkeMode::auth_psk, ss, {}, {}, {}).error().code,
            Errc::invalid_argument);
  EXPECT_TRUE(hpke.key_schedule(HpkeMode::psk, ss, {}, p, id));
  EXPECT_TRUE(hpke.key_schedule(HpkeMode::base, ss, {}, {}, {}));
  // Through the setup API: a psk without its id.
  auto skR = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  ASSERT_TRUE(skR);
  HpkeSenderOptions so;
  so.psk = psk();
  EXPECT_EQ(hpke.setup_sender(skR->public_key(), {}, so).error().code, Errc::invalid_argument);
}

TEST(Hpke, ExportOnlySuiteRefusesToEncryptButExports) {
  const Hpke hpke = make(KemId::dhkem_p256_sha256, HashId::sha256, AeadId::export_only);
  auto skR = DhPrivateKey::generate(KemId::dhkem_p256_sha256);
  ASSERT_TRUE(skR);
  auto sender = hpke.setup_sender(skR->public_key(), as_bytes("info"));
  ASSERT_TRUE(sender);
  EXPECT_EQ(sender->context.seal({}, as_bytes("x")).error().code, Errc::unsupported);
  auto receiver = hpke.setup_receiver(sender->enc, *skR, as_bytes("info"));
  ASSERT_TRUE(receiver);
  EXPECT_EQ(receiver->open({}, Bytes(16, 0)).error().code, Errc::unsupported);
  auto a = sender->context.export_secret(as_bytes("c"), 32);
  auto b = receiver->export_secret(as_bytes("c"), 32);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a == *b);
  EXPECT_EQ(hpke.seal(skR->public_key(), {}, {}, as_bytes("x")).error().code, Errc::unsupported);
}

TEST(Hpke, ContextRolesSequenceAndTamper) {
  const Hpke hpke = make(KemId::dhkem_x25519_sha256, HashId::sha256, AeadId::chacha20poly1305);
  auto skR = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  ASSERT_TRUE(skR);
  auto sender = hpke.setup_sender(skR->public_key(), {});
  ASSERT_TRUE(sender);
  auto receiver = hpke.setup_receiver(sender->enc, *skR, {});
  ASSERT_TRUE(receiver);
  auto c0 = sender->context.seal({}, as_bytes("same"));
  auto c1 = sender->context.seal({}, as_bytes("same"));
  ASSERT_TRUE(c0 && c1);
  EXPECT_NE(*c0, *c1) << "the context must advance its nonce";
  EXPECT_EQ(sender->context.open({}, *c0).error().code, Errc::invalid_state);
  EXPECT_EQ(receiver->seal({}, as_bytes("x")).error().code, Errc::invalid_state);
  // Out of order: c1 under seq 0 fails, and a failure does not advance the sequence.
  EXPECT_EQ(receiver->open({}, *c1).error().code, Errc::authentication_failed);
  Bytes bad = *c0;
  bad[0] ^= 1;
  EXPECT_EQ(receiver->open({}, bad).error().code, Errc::authentication_failed);
  EXPECT_TRUE(receiver->open({}, *c0));
  EXPECT_TRUE(receiver->open({}, *c1));
  EXPECT_EQ(receiver->export_secret({}, 255 * 32 + 1).error().code, Errc::invalid_argument);
}

TEST(Hpke, RejectsBadInputs) {
  EXPECT_EQ(
      Hpke::create({static_cast<KemId>(0x30), HashId::sha256, AeadId::aes128gcm}).error().code,
      Errc::unsupported);
  EXPECT_EQ(Hpke::create({KemId::dhkem_x25519_sha256, static_cast<HashId>(4), AeadId::aes128gcm})
                .error()
                .code,
            Errc::unsupported);
  EXPECT_EQ(Hpke::create({KemId::dhkem_x25519_sha256, HashId::sha256, static_cast<AeadId>(4)})
                .error()
                .code,
            Errc::unsupported);
  const Hpke hpke = make(KemId::dhkem_p256_sha256, HashId::sha256, AeadId::aes128gcm);
  auto skR = DhPrivateKey::generate(KemId::dhkem_p256_sha256);
  ASSERT_TRUE(skR);
  Bytes off_curve = skR->public_key();
  off_curve.back() ^= 1;
  EXPECT_EQ(hpke.setup_sender(off_curve, {}).error().code, Errc::invalid_key);
  EXPECT_EQ(hpke.setup_receiver(off_curve, *skR, {}).error().code, Errc::invalid_key);
  // A recipient key of another KEM.
  auto x = DhPrivateKey::generate(KemId::dhkem_x25519_sha256);
  ASSERT_TRUE(x);
  EXPECT_EQ(hpke.setup_receiver(skR->public_key(), *x, {}).error().code, Errc::invalid_key);
  const Hpke x_hpke = make(KemId::dhkem_x25519_sha256, HashId::sha256, AeadId::aes128gcm);
  EXPECT_EQ(x_hpke.setup_sender(Bytes(32, 0), {}).error().code, Errc::invalid_key);
}

TEST(Hpke, DeriveKeyPairP521UsesBitmask) {
  const Hpke hpke = make(KemId::dhkem_p521_sha512, HashId::sha512, AeadId::aes256gcm);
  for (std::uint8_t seed = 0; seed < 8; ++seed) {
    auto key = hpke.derive_key_pair(Bytes(66, seed));
    ASSERT_TRUE(key);
    auto raw = key->export_raw();
    ASSERT_TRUE(raw);
    EXPECT_LE(raw->expose()[0], 0x01);
  }
}

}  // namespace
}  // namespace ztm::crypto
