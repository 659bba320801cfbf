#include "ztm/crypto/cipher_suite.h"

#include <gtest/gtest.h>

namespace ztm::crypto {
namespace {

TEST(MlsCipherSuite, TableMatchesRfc9420) {
  auto s1 = mls_cipher_suite(1);
  ASSERT_TRUE(s1);
  EXPECT_EQ((*s1)->name, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");
  EXPECT_EQ((*s1)->kem, KemId::dhkem_x25519_sha256);
  EXPECT_EQ((*s1)->signature, SignatureScheme::ed25519);
  auto s7 = mls_cipher_suite(7);
  ASSERT_TRUE(s7);
  EXPECT_EQ((*s7)->kem, KemId::dhkem_p384_sha384);
  EXPECT_EQ((*s7)->hash, HashId::sha384);
  EXPECT_EQ((*s7)->aead, AeadId::aes256gcm);
  EXPECT_EQ((*s7)->signature, SignatureScheme::ecdsa_secp384r1_sha384);
  EXPECT_EQ(mls_cipher_suite(0).error().code, Errc::unsupported);
  EXPECT_EQ(mls_cipher_suite(8).error().code, Errc::unsupported);
  EXPECT_EQ(mls_cipher_suites().size(), 7u);
}

// Every suite's primitives really work together: HPKE round trip and a signature.
TEST(MlsCipherSuite, EverySuiteIsUsable) {
  std::uint16_t expected_id = 1;
  for (const auto& suite : mls_cipher_suites()) {
    SCOPED_TRACE(suite.name);
    EXPECT_EQ(suite.id, expected_id++);
    auto hpke = Hpke::create(suite.hpke());
    ASSERT_TRUE(hpke);
    auto key = hpke->derive_key_pair(Bytes(64, 1));
    ASSERT_TRUE(key);
    auto sealed = hpke->seal(key->public_key(), {}, {}, as_bytes("x"));
    ASSERT_TRUE(sealed);
    auto opened = hpke->open(sealed->enc, *key, {}, {}, sealed->ciphertext);
    ASSERT_TRUE(opened);
    auto sig_key = SignaturePrivateKey::generate(suite.signature);
    ASSERT_TRUE(sig_key);
    auto sig = sig_key->sign(as_bytes("m"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(verify(suite.signature, sig_key->public_key(), as_bytes("m"), *sig));
    EXPECT_EQ(hash(suite.hash, {}).size(), hash_size(suite.hash));
  }
}

}  // namespace
}  // namespace ztm::crypto
