// CipherSuite: known answers (RFC 9420 crypto-basics, suite 1) and the failures a
// peer can cause: wrong label, wrong context, wrong key, tampered bytes.
#include "ztm/mls/cipher_suite.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

Bytes h(std::string_view hex) {
  return from_hex(hex).value();
}

CipherSuite suite(std::uint16_t id) {
  auto cs = CipherSuite::create(id);
  EXPECT_TRUE(cs) << id;
  return *cs;
}

TEST(CipherSuite, SizesPerSuite) {
  EXPECT_EQ(suite(1).hash_size(), 32u);
  EXPECT_EQ(suite(1).key_size(), 16u);
  EXPECT_EQ(suite(1).nonce_size(), 12u);
  EXPECT_EQ(suite(3).key_size(), 32u);  // ChaCha20-Poly1305
  EXPECT_EQ(suite(5).hash_size(), 64u);
  EXPECT_EQ(suite(7).hash_size(), 48u);
}

TEST(CipherSuite, UnknownSuiteIsUnsupported) {
  for (std::uint16_t id : {0, 8, 0xffff}) {
    auto cs = CipherSuite::create(id);
    ASSERT_FALSE(cs);
    EXPECT_EQ(cs.error().code, Errc::unsupported);
  }
}

// Values from crypto-basics.json, cipher_suite 1.
TEST(CipherSuite, KnownAnswersSuite1) {
  const auto cs = suite(1);
  EXPECT_EQ(to_hex(cs.ref_hash(
                "RefHash", h("40312db83f651883c05ab26fa12c6af61930015c81947cfd0f129e6d99210bb2"))),
            "e8027fffc5f9bb469f29172538dc0f3a78f14f323495bbd2217eba7a77fb242a");
  auto expanded = cs.expand_with_label(
      h("1499360a561335f4ef51d0a1b0d586900dc8007ae405b1ab79bf4207bb3d67e4"), "ExpandWithLabel",
      h("2ff8c1f9d9c1248f82e372ddb5791c771695e01882abca6a64097bd2f04c971f"), 16);
  ASSERT_TRUE(expanded);
  EXPECT_EQ(to_hex(expanded->expose()), "c1e8eb360391526c0c64039f13e0c5b1");
  auto derived = cs.derive_secret(
      h("1a9ce178a53f8752d2513c27efe9c85133f6c0a97f7b35ac200695024a77228e"), "DeriveSecret");
  ASSERT_TRUE(derived);
  EXPECT_EQ(to_hex(derived->expose()),
            "3b08c195a246c4ad469c1d11c10e62890d8fa6b684494ff925409efdb1ff0464");
  auto tree = cs.derive_tree_secret(
      SecretBytes(h("5133c6f8bad297f5d3beacdf477f0c45ec51b02de659d305220c5f9385c6eb43")),
      "DeriveTreeSecret", 2694881440u, 32);
  ASSERT_TRUE(tree);
  EXPECT_EQ(to_hex(tree->expose()),
            "8461f3ccc603eae52149a23a4134d29c880a1ad1ba70441e5d586e3521ec7b25");
}

TEST(CipherSuite, ExpandWithLabelDependsOnLabelAndContext) {
  const auto cs = suite(1);
  const Bytes secret(32, 7);
  auto a = cs.expand_with_label(secret, "key", Bytes{1}, 16);
  auto b = cs.expand_with_label(secret, "nonce", Bytes{1}, 16);
  auto c = cs.expand_with_label(secret, "key", Bytes{2}, 16);
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(*a == *b);
  EXPECT_FALSE(*a == *c);
  auto too_long = cs.expand_with_label(secret, "key", {}, 0x10000);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Errc::invalid_argument);
}

TEST(CipherSuite, RefsUseTheirLabels) {
  const auto cs = suite(1);
  const Bytes value{1, 2, 3};
  EXPECT_EQ(cs.make_key_package_ref(value), cs.ref_hash("MLS 1.0 KeyPackage Reference", value));
  EXPECT_EQ(cs.make_proposal_ref(value), cs.ref_hash("MLS 1.0 Proposal Reference", value));
  EXPECT_NE(cs.make_key_package_ref(value), cs.make_proposal_ref(value));
  EXPECT_EQ(cs.make_key_package_ref(value).size(), 32u);
}

TEST(CipherSuite, MacVerifiesAndRejectsTampering) {
  const auto cs = suite(7);  // SHA-384
  const Bytes key(48, 1);
  const Bytes data{9, 9, 9};
  auto tag = cs.mac(key, data);
  EXPECT_EQ(tag.size(), 48u);
  EXPECT_TRUE(cs.verify_mac(key, data, tag, "test.rule"));
  tag[0] ^= 1;
  auto bad = cs.verify_mac(key, data, tag, "test.rule");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::authentication_failed);
  EXPECT_NE(bad.error().message.find("test.rule"), std::string::npos);
}

TEST(CipherSuite, SignWithLabelBindsTheLabel) {
  for (std::uint16_t id = 1; id <= 7; ++id) {
    const auto cs = suite(id);
    auto key = crypto::SignaturePrivateKey::generate(cs.signature_scheme());
    ASSERT_TRUE(key) << id;
    const Bytes content{1, 2, 3, 4};
    auto sig = cs.sign_with_label(*key, "FramedContentTBS", content);
    ASSERT_TRUE(sig) << id;
    EXPECT_TRUE(cs.verify_with_label(key->public_key(), "FramedContentTBS", content, *sig)) << id;
    auto wrong_label = cs.verify_with_label(key->public_key(), "LeafNodeTBS", content, *sig);
    ASSERT_FALSE(wrong_label) << id;
    EXPECT_EQ(wrong_label.error().code, Errc::authentication_failed) << id;
    const Bytes other{1, 2, 3, 5};
    EXPECT_FALSE(cs.verify_with_label(key->public_key(), "FramedContentTBS", other, *sig)) << id;
    auto other_key = crypto::SignaturePrivateKey::generate(cs.signature_scheme());
    ASSERT_TRUE(other_key);
    EXPECT_FALSE(cs.verify_with_label(other_key->public_key(), "FramedContentTBS", content, *sig));
  }
}

TEST(CipherSuite, SignWithKeyOfAnotherSchemeIsRefused) {
  const auto cs = suite(1);  // Ed25519
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(key);
  auto sig = cs.sign_with_label(*key, "x", Bytes{1});
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, Errc::invalid_key);
}

TEST(CipherSuite, EncryptWithLabelRoundTripAndFailures) {
  for (std::uint16_t id = 1; id <= 7; ++id) {
    const auto cs = suite(id);
    auto key = cs.derive_key_pair(Bytes(cs.hash_size(), static_cast<std::uint8_t>(id)));
    ASSERT_TRUE(key) << id;
    const Bytes context{0xc0, 0x01};
    const Bytes plaintext{1, 2, 3, 4, 5};
    auto ct = cs.encrypt_with_label(key->public_key(), "UpdatePathNode", context, plaintext);
    ASSERT_TRUE(ct) << id;
    auto pt = cs.decrypt_with_label(*key, "UpdatePathNode", context, *ct);
    ASSERT_TRUE(pt) << id;
    EXPECT_EQ(*pt, plaintext);

    EXPECT_FALSE(cs.decrypt_with_label(*key, "Welcome", context, *ct)) << id;
    EXPECT_FALSE(cs.decrypt_with_label(*key, "UpdatePathNode", Bytes{0xc0}, *ct)) << id;
    auto tampered = *ct;
    tampered.ciphertext.back() ^= 0x80;
    auto bad = cs.decrypt_with_label(*key, "UpdatePathNode", context, tampered);
    ASSERT_FALSE(bad) << id;
    EXPECT_EQ(bad.error().code, Errc::authentication_failed) << id;
    auto other = crypto::DhPrivateKey::generate(cs.kem_id());
    ASSERT_TRUE(other);
    EXPECT_FALSE(cs.decrypt_with_label(*other, "UpdatePathNode", context, *ct)) << id;
  }
}

TEST(CipherSuite, DeriveKeyPairIsDeterministic) {
  const auto cs = suite(1);
  auto a = cs.derive_key_pair(SecretBytes(Bytes(32, 3)));
  auto b = cs.derive_key_pair(Bytes(32, 3));
  auto c = cs.derive_key_pair(Bytes(32, 4));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_NE(a->public_key(), c->public_key());
}

TEST(CipherSuite, HpkeCiphertextCodec) {
  const HPKECiphertext ct{{1, 2}, {3}};
  const Bytes wire = tls::encode(ct);
  EXPECT_EQ(wire, (Bytes{2, 1, 2, 1, 3}));
  auto back = tls::decode<HPKECiphertext>(wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, ct);
}

}  // namespace
}  // namespace ztm::mls
