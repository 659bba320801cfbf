// Certificates are parsed in the library contexts of internal/a_parsing_context.h
// (decision 0017), whose provider offers fewer decoders than OpenSSL's default: every
// key type in use must still decode, and signatures must still check across contexts.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "internal/a_parsing_context.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/validator.h"
#include "ztm_test/cert_factory.h"

namespace ztm::identity {
namespace {

using ztm_test::KeyType;
using ztm_test::SanEntry;
using ztm_test::TestKey;

TestKey keygen(const char* type) {
  return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, type), EVP_PKEY_free);
}

TestKey rsa_pss_key() {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
  if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 &&
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1) {
    EVP_PKEY_generate(ctx, &key);
  }
  EVP_PKEY_CTX_free(ctx);
  return TestKey(key, EVP_PKEY_free);
}

Certificate reparsed(const Certificate& cert) {
  auto parsed = Certificate::from_der(cert.der());
  EXPECT_TRUE(parsed) << parsed.error().message;
  return *parsed;
}

TEST(CertificateParsing, ParsesInAContextOfItsOwn) {
  const auto ca = ztm_test::make_root(ztm_test::ca_spec("Parse Root"));
  const Certificate cert = reparsed(ca.cert);
  ASSERT_NE(internal::parsing_libctx(), nullptr);
  EXPECT_NE(internal::parsing_libctx(), OSSL_LIB_CTX_get0_global_default());
  EXPECT_EQ(X509_get0_pubkey(cert.x509()) != nullptr, true);
}

TEST(CertificateParsing, DecodesEveryKeyTypeCertificatesCarry) {
  // Leaves carry MLS signature keys (EC P-256/384/521, Ed25519, Ed448); CAs also
  // sign with RSA and RSA-PSS.
  std::vector<std::pair<const char*, TestKey>> keys;
  keys.emplace_back("P-256", ztm_test::make_key(KeyType::p256));
  keys.emplace_back("P-384", ztm_test::make_key(KeyType::p384));
  keys.emplace_back("P-521", ztm_test::make_key(KeyType::p521));
  keys.emplace_back("Ed25519", ztm_test::make_key(KeyType::ed25519));
  keys.emplace_back("Ed448", ztm_test::make_key(KeyType::ed448));
  keys.emplace_back("RSA", ztm_test::make_key(KeyType::rsa2048));
  keys.emplace_back("RSA-PSS", rsa_pss_key());
  for (const KeyType ca_type : {KeyType::p256, KeyType::rsa2048, KeyType::ed25519}) {
    const auto ca = ztm_test::make_root(ztm_test::ca_spec("Parse Root"), ca_type);
    const Certificate ca_cert = reparsed(ca.cert);
    for (const auto& [name, key] : keys) {
      SCOPED_TRACE(name);
      ASSERT_TRUE(key);
      const auto issued =
          ztm_test::issue(ztm_test::leaf_spec({SanEntry::email, "a@example.com"}), key.get(), &ca);
      const Certificate cert = reparsed(issued);
      EVP_PKEY* decoded = X509_get0_pubkey(cert.x509());
      ASSERT_NE(decoded, nullptr);
      EXPECT_EQ(EVP_PKEY_eq(decoded, key.get()), 1);
      // The CA's key and the leaf were decoded in parsing contexts; the signature
      // check works across contexts.
      EXPECT_EQ(X509_verify(cert.x509(), X509_get0_pubkey(ca_cert.x509())), 1);
      // The leaf's own key did not sign it.
      EXPECT_NE(X509_verify(cert.x509(), key.get()), 1);
    }
  }
}

TEST(CertificateParsing, KeyOfAnotherTypeParsesWithoutAKeyAndIsRefused) {
  // An X25519 key cannot sign: no certificate of ours carries one. It still parses
  // (the structure is valid), without a decoded key, and validation refuses it.
  const auto ca = ztm_test::make_root(ztm_test::ca_spec("Parse Root", "Example Corp"));
  const TestKey x25519 = keygen("X25519");
  ASSERT_TRUE(x25519);
  const auto issued =
      ztm_test::issue(ztm_test::leaf_spec({SanEntry::email, "a@example.com"}), x25519.get(), &ca);
  const Certificate cert = reparsed(issued);
  EXPECT_EQ(X509_get0_pubkey(cert.x509()), nullptr);

  TrustStore store;
  ASSERT_TRUE(store.add_organization_anchor(ca.cert, "Example Corp", {"example.com"}));
  Validator validator(store, {});
  const std::vector<Bytes> chain{cert.der()};
  const Bytes some_key(32, 0x42);
  const auto result = validator.validate(chain, some_key, crypto::SignatureScheme::ed25519,
                                         std::chrono::system_clock::now());
  EXPECT_EQ(result.status, CredentialStatus::invalid) << result.reason;
  EXPECT_NE(result.reason.find("unsupported type"), std::string::npos) << result.reason;
}

TEST(CertificateParsing, ThreadsParseInParallel) {
  const auto ca = ztm_test::make_root(ztm_test::ca_spec("Parse Root"));
  const auto key = ztm_test::make_key(KeyType::ed25519);
  const Bytes der =
      ztm_test::issue(ztm_test::leaf_spec({SanEntry::email, "a@example.com"}), key.get(), &ca)
          .der();
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<int> decoded(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto cert = Certificate::from_der(der);
        if (cert && X509_get0_pubkey(cert->x509()) != nullptr &&
            X509_verify(cert->x509(), X509_get0_pubkey(ca.cert.x509())) == 1) {
          ++decoded[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(decoded[t], kEach) << "thread " << t;
}

}  // namespace
}  // namespace ztm::identity
