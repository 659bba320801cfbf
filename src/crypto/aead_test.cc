#include "ztm/crypto/aead.h"

#include <gtest/gtest.h>

#include "internal/test_hex.h"

namespace ztm::crypto {
namespace {

using testing::h;

struct Kat {
  AeadId id;
  Bytes key, nonce, aad, plaintext, ciphertext_and_tag;
};

std::vector<Kat> kats() {
  const Bytes gcm_pt =
      h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
        "49a6b525b16aedf5aa0de657ba637b39");
  const auto chacha_pt = as_bytes(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.");
  return {
      // The GCM specification (McGrew & Viega), test case 4.
      {AeadId::aes128gcm, h("feffe9928665731c6d6a8f9467308308"), h("cafebabefacedbaddecaf888"),
       h("feedfacedeadbeeffeedfacedeadbeefabaddad2"), gcm_pt,
       h("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a"
         "5aac84aa051ba30b396a0aac973d58e091"
         "5bc94fbc3221a5db94fae95ae7121a47")},
      // The GCM specification, test case 16 (AES-256).
      {AeadId::aes256gcm, h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
       h("cafebabefacedbaddecaf888"), h("feedfacedeadbeeffeedfacedeadbeefabaddad2"), gcm_pt,
       h("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b"
         "1056828838c5f61e6393ba7a0abcc9f662"
         "76fc6ece0f4e1768cddf8853bb2d551b")},
      // RFC 8439 §2.8.2.
      {AeadId::chacha20poly1305,
       h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
       h("070000004041424344454647"), h("50515253c0c1c2c3c4c5c6c7"), to_bytes(chacha_pt),
       h("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb"
         "69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad6"
         "75945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
         "1ae10b594f09e26a7e902ecbd0600691")},
  };
}

TEST(AeadKey, KnownAnswers) {
  for (const auto& kat : kats()) {
    SCOPED_TRACE(static_cast<int>(kat.id));
    auto key = AeadKey::create(kat.id, kat.key);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->id(), kat.id);
    auto sealed = key->seal(kat.nonce, kat.aad, kat.plaintext);
    ASSERT_TRUE(sealed);
    EXPECT_EQ(*sealed, kat.ciphertext_and_tag);
    auto opened = key->open(kat.nonce, kat.aad, kat.ciphertext_and_tag);
    ASSERT_TRUE(opened) << opened.error().what();
    EXPECT_EQ(*opened, kat.plaintext);
    // The same keyed contexts serve many messages.
    auto again = key->seal(kat.nonce, kat.aad, kat.plaintext);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, kat.ciphertext_and_tag);
  }
}

TEST(AeadKey, InPlaceSealAndOpen) {
  for (const auto& kat : kats()) {
    auto key = AeadKey::create(kat.id, kat.key);
    ASSERT_TRUE(key);
    Bytes buf = kat.plaintext;
    buf.resize(kat.plaintext.size() + aead_tag_size(kat.id));
    auto sealed = key->seal(kat.nonce, kat.aad, ByteView(buf).first(kat.plaintext.size()), buf);
    ASSERT_TRUE(sealed);
    EXPECT_EQ(buf, kat.ciphertext_and_tag);
    auto opened = key->open(kat.nonce, kat.aad, buf, buf);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->size(), kat.plaintext.size());
    EXPECT_EQ(to_bytes(*opened), kat.plaintext);
  }
}

TEST(AeadKey, TamperingFailsAndReleasesNoPlaintext) {
  for (const auto& kat : kats()) {
    auto key = AeadKey::create(kat.id, kat.key);
    ASSERT_TRUE(key);
    for (std::size_t pos : {std::size_t{0}, kat.ciphertext_and_tag.size() - 1}) {
      Bytes bad = kat.ciphertext_and_tag;
      bad[pos] ^= 0x01;
      Bytes out(bad.size() - 16, 0xee);
      auto r = key->open(kat.nonce, kat.aad, bad, out);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, Errc::authentication_failed);
      EXPECT_EQ(out, Bytes(out.size(), 0)) << "unauthenticated plaintext left in out";
    }
    // Wrong AAD and wrong nonce.
    Bytes bad_aad = kat.aad;
    bad_aad.push_back(0);
    EXPECT_EQ(key->open(kat.nonce, bad_aad, kat.ciphertext_and_tag).error().code,
              Errc::authentication_failed);
    Bytes bad_nonce = kat.nonce;
    bad_nonce[11] ^= 1;
    EXPECT_EQ(key->open(bad_nonce, kat.aad, kat.ciphertext_and_tag).error().code,
              Errc::authentication_failed);
    // In place: the buffer must not keep the plaintext either.
    Bytes buf = kat.ciphertext_and_tag;
    buf.back() ^= 0x80;
    ASSERT_FALSE(key->open(kat.nonce, kat.aad, buf, buf));
    EXPECT_NE(ByteView(buf).first(kat.plaintext.size()).size(), 0u);
    EXPECT_FALSE(equal(ByteView(buf).first(kat.plaintext.size()), kat.plaintext));
    // A good message still opens after failures.
    EXPECT_TRUE(key->open(kat.nonce, kat.aad, kat.ciphertext_and_tag));
  }
}

TEST(AeadKey, EmptyPlaintextAndAad) {
  auto key = AeadKey::create(AeadId::aes128gcm, Bytes(16, 0));
  ASSERT_TRUE(key);
  // The GCM specification, test case 1: zero key, zero nonce, nothing else.
  auto sealed = key->seal(Bytes(12, 0), {}, {});
  ASSERT_TRUE(sealed);
  EXPECT_EQ(*sealed, h("58e2fccefa7e3061367f1d57a4e7455a"));
  auto opened = key->open(Bytes(12, 0), {}, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST(AeadKey, ArgumentErrors) {
  EXPECT_EQ(AeadKey::create(AeadId::aes128gcm, Bytes(32, 0)).error().code, Errc::invalid_key);
  EXPECT_EQ(AeadKey::create(AeadId::chacha20poly1305, Bytes(16, 0)).error().code,
            Errc::invalid_key);
  EXPECT_EQ(AeadKey::create(AeadId::export_only, {}).error().code, Errc::unsupported);
  auto key = AeadKey::create(AeadId::aes256gcm, Bytes(32, 1));
  ASSERT_TRUE(key);
  Bytes pt(10, 3);
  Bytes small(25);
  EXPECT_EQ(key->seal(Bytes(12, 0), {}, pt, small).error().code, Errc::buffer_too_small);
  EXPECT_EQ(key->seal(Bytes(8, 0), {}, pt).error().code, Errc::invalid_argument);
  auto sealed = key->seal(Bytes(12, 0), {}, pt);
  ASSERT_TRUE(sealed);
  Bytes small_out(9);
  EXPECT_EQ(key->open(Bytes(12, 0), {}, *sealed, small_out).error().code, Errc::buffer_too_small);
  EXPECT_EQ(key->open(Bytes(12, 0), {}, Bytes(15, 0)).error().code, Errc::authentication_failed);
  // A shifted overlap is refused rather than silently corrupting data.
  Bytes buf(64, 0);
  EXPECT_EQ(key->seal(Bytes(12, 0), {}, ByteView(buf).first(10), MutableByteView(buf).subspan(1))
                .error()
                .code,
            Errc::invalid_argument);
}

TEST(AeadKey, Sizes) {
  EXPECT_EQ(aead_key_size(AeadId::aes128gcm), 16u);
  EXPECT_EQ(aead_key_size(AeadId::aes256gcm), 32u);
  EXPECT_EQ(aead_key_size(AeadId::chacha20poly1305), 32u);
  EXPECT_EQ(aead_nonce_size(AeadId::chacha20poly1305), 12u);
  EXPECT_EQ(aead_tag_size(AeadId::aes128gcm), 16u);
  EXPECT_EQ(aead_key_size(AeadId::export_only), 0u);
}

TEST(AeadKey, MovedKeyKeepsWorking) {
  auto key = AeadKey::create(AeadId::aes128gcm, Bytes(16, 0));
  ASSERT_TRUE(key);
  AeadKey moved = std::move(*key);
  auto sealed = moved.seal(Bytes(12, 0), {}, {});
  ASSERT_TRUE(sealed);
  EXPECT_EQ(*sealed, h("58e2fccefa7e3061367f1d57a4e7455a"));
}

// A key prepared for one direction interoperates with a two-way key and refuses
// the other direction.
TEST(AeadKey, OneWayKeys) {
  for (const Kat& kat : kats()) {
    auto seal_only = AeadKey::create(kat.id, kat.key, AeadUse::seal_only);
    auto open_only = AeadKey::create(kat.id, kat.key, AeadUse::open_only);
    ASSERT_TRUE(seal_only && open_only);
    auto sealed = seal_only->seal(kat.nonce, kat.aad, kat.plaintext);
    ASSERT_TRUE(sealed);
    EXPECT_EQ(*sealed, kat.ciphertext_and_tag);
    auto opened = open_only->open(kat.nonce, kat.aad, kat.ciphertext_and_tag);
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, kat.plaintext);
    auto wrong_way = seal_only->open(kat.nonce, kat.aad, kat.ciphertext_and_tag);
    ASSERT_FALSE(wrong_way);
    EXPECT_EQ(wrong_way.error().code, Errc::invalid_state);
    auto other_way = open_only->seal(kat.nonce, kat.aad, kat.plaintext);
    ASSERT_FALSE(other_way);
    EXPECT_EQ(other_way.error().code, Errc::invalid_state);
  }
}

}  // namespace
}  // namespace ztm::crypto
