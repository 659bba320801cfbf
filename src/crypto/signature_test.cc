#include "ztm/crypto/signature.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include "internal/test_hex.h"

namespace ztm::crypto {
namespace {

using testing::h;

const SignatureScheme kAll[] = {
    SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
    SignatureScheme::ecdsa_secp521r1_sha512, SignatureScheme::ed25519, SignatureScheme::ed448};

// RFC 8032 §7.1, TEST 1 (empty message).
TEST(Signature, Ed25519Rfc8032Test1) {
  auto key = SignaturePrivateKey::from_raw(
      SignatureScheme::ed25519,
      h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->public_key(),
            h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  auto sig = key->sign({});
  ASSERT_TRUE(sig);
  const Bytes expected =
      h("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
        "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_EQ(*sig, expected);
  EXPECT_TRUE(verify(SignatureScheme::ed25519, key->public_key(), {}, expected));
}

// RFC 6979 §A.2.5: P-256 key; the deterministic signature of "sample" with SHA-256
// verifies under our DER encoding, and the public key is the uncompressed point.
TEST(Signature, EcdsaP256Rfc6979Key) {
  auto key = SignaturePrivateKey::from_raw(
      SignatureScheme::ecdsa_secp256r1_sha256,
      h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->public_key(),
            h("0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
              "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"));
  const Bytes der =
      h("3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
        "022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  EXPECT_TRUE(
      verify(SignatureScheme::ecdsa_secp256r1_sha256, key->public_key(), as_bytes("sample"), der));
  EXPECT_EQ(
      verify(SignatureScheme::ecdsa_secp256r1_sha256, key->public_key(), as_bytes("samplf"), der)
          .error()
          .code,
      Errc::authentication_failed);
}

TEST(Signature, RoundTripEverySchemeAndTamper) {
  for (auto scheme : kAll) {
    SCOPED_TRACE(signature_scheme_name(scheme));
    auto key = SignaturePrivateKey::generate(scheme);
    ASSERT_TRUE(key) << key.error().what();
    EXPECT_EQ(key->scheme(), scheme);
    auto sig = key->sign(as_bytes("message"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(verify(scheme, key->public_key(), as_bytes("message"), *sig));
    EXPECT_EQ(verify(scheme, key->public_key(), as_bytes("messagf"), *sig).error().code,
              Errc::authentication_failed);
    Bytes bad = *sig;
    bad[bad.size() / 2] ^= 1;
    EXPECT_EQ(verify(scheme, key->public_key(), as_bytes("message"), bad).error().code,
              Errc::authentication_failed);
    EXPECT_FALSE(verify(scheme, key->public_key(), as_bytes("message"), {}));
    // Another key's public key does not verify.
    auto other = SignaturePrivateKey::generate(scheme);
    ASSERT_TRUE(other);
    EXPECT_FALSE(verify(scheme, other->public_key(), as_bytes("message"), *sig));
  }
}

TEST(Signature, RawAndPkcs8ExportImport) {
  for (auto scheme : kAll) {
    SCOPED_TRACE(signature_scheme_name(scheme));
    auto key = SignaturePrivateKey::generate(scheme);
    ASSERT_TRUE(key);
    auto raw = key->export_raw();
    ASSERT_TRUE(raw);
    auto again = SignaturePrivateKey::from_raw(scheme, raw->expose());
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_EQ(again->public_key(), key->public_key());
    auto der = key->export_pkcs8_der();
    ASSERT_TRUE(der);
    auto from_der = SignaturePrivateKey::from_pkcs8_der(der->expose());
    ASSERT_TRUE(from_der) << from_der.error().what();
    EXPECT_EQ(from_der->scheme(), scheme);
    EXPECT_EQ(from_der->public_key(), key->public_key());
    auto sig = from_der->sign(as_bytes("m"));
    ASSERT_TRUE(sig);
    EXPECT_TRUE(verify(scheme, key->public_key(), as_bytes("m"), *sig));
    // The OpenSSL key lent to X.509 code encodes back to the same public key.
    auto encoded = public_key_from_evp(key->evp_pkey());
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded->scheme, scheme);
    EXPECT_EQ(encoded->public_key, key->public_key());
  }
}

TEST(Signature, EncodingSizes) {
  auto p521 = SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp521r1_sha512);
  ASSERT_TRUE(p521);
  EXPECT_EQ(p521->public_key().size(), 133u);
  EXPECT_EQ(p521->public_key()[0], 0x04);
  EXPECT_EQ(p521->export_raw()->size(), 66u);
  auto ed448 = SignaturePrivateKey::generate(SignatureScheme::ed448);
  ASSERT_TRUE(ed448);
  EXPECT_EQ(ed448->public_key().size(), 57u);
  EXPECT_EQ(ed448->sign(as_bytes("x"))->size(), 114u);
}

TEST(Signature, MalformedKeysAreInvalidKey) {
  // P-256 order n: the scalar must be in [1, n-1].
  const Bytes n = h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  EXPECT_EQ(SignaturePrivateKey::from_raw(SignatureScheme::ecdsa_secp256r1_sha256, n).error().code,
            Errc::invalid_key);
  EXPECT_EQ(SignaturePrivateKey::from_raw(SignatureScheme::ecdsa_secp256r1_sha256, Bytes(32, 0))
                .error()
                .code,
            Errc::invalid_key);
  EXPECT_EQ(SignaturePrivateKey::from_raw(SignatureScheme::ed25519, Bytes(31, 1)).error().code,
            Errc::invalid_key);
  auto key = SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(key);
  auto sig = key->sign(as_bytes("m"));
  ASSERT_TRUE(sig);
  Bytes off_curve = key->public_key();
  off_curve.back() ^= 1;
  EXPECT_EQ(
      verify(SignatureScheme::ecdsa_secp256r1_sha256, off_curve, as_bytes("m"), *sig).error().code,
      Errc::invalid_key);
  Bytes compressed(key->public_key().begin(), key->public_key().begin() + 33);
  compressed[0] = 0x02 | (key->public_key().back() & 1);
  EXPECT_EQ(
      verify(SignatureScheme::ecdsa_secp256r1_sha256, compressed, as_bytes("m"), *sig).error().code,
      Errc::invalid_key);
  EXPECT_EQ(verify(SignatureScheme::ecdsa_secp256r1_sha256, Bytes{0x00}, as_bytes("m"), *sig)
                .error()
                .code,
            Errc::invalid_key);
  EXPECT_EQ(verify(SignatureScheme::ed25519, Bytes(33, 1), as_bytes("m"), *sig).error().code,
            Errc::invalid_key);
  EXPECT_EQ(SignaturePrivateKey::from_pkcs8_der(as_bytes("not der")).error().code,
            Errc::invalid_encoding);
  EXPECT_EQ(verify(static_cast<SignatureScheme>(0x0401), key->public_key(), {}, *sig).error().code,
            Errc::unsupported);
}

TEST(Signature, PublicKeyFromEvpRejectsOtherKeyTypes) {
  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  ASSERT_NE(x25519, nullptr);
  auto r = public_key_from_evp(x25519);
  EVP_PKEY_free(x25519);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  EXPECT_EQ(public_key_from_evp(nullptr).error().code, Errc::invalid_argument);
}

// A certificate may carry a compressed point; RFC 9420 wants it uncompressed.
TEST(Signature, PublicKeyFromEvpUncompressesPoints) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(key, nullptr);
  ASSERT_EQ(EVP_PKEY_set_utf8_string_param(key, "point-format", "compressed"), 1);
  std::uint8_t point[100];
  std::size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key, "pub", point, sizeof(point), &len), 1);
  EXPECT_EQ(len, 49u);  // the key really is held compressed now
  auto encoded = public_key_from_evp(key);
  EVP_PKEY_free(key);
  ASSERT_TRUE(encoded) << encoded.error().what();
  EXPECT_EQ(encoded->scheme, SignatureScheme::ecdsa_secp384r1_sha384);
  ASSERT_EQ(encoded->public_key.size(), 97u);
  EXPECT_EQ(encoded->public_key[0], 0x04);
  EXPECT_EQ(Bytes(encoded->public_key.begin() + 1, encoded->public_key.begin() + 49),
            Bytes(point + 1, point + 49));
}

TEST(Signature, CopiesShareTheKey) {
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  ASSERT_TRUE(key);
  SignaturePrivateKey copy = *key;
  EXPECT_EQ(copy.public_key(), key->public_key());
  auto sig = copy.sign(as_bytes("m"));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify(SignatureScheme::ed25519, key->public_key(), as_bytes("m"), *sig));
  EXPECT_EQ(signature_scheme_name(SignatureScheme::ed25519), "ed25519");
}

}  // namespace
}  // namespace ztm::crypto
