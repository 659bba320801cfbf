// AcmeStore (SQLite) and CertificateAuthority (key + certificate in a data dir).
#include "ztm/identity/acme_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "ztm/identity/ca.h"
#include "ztm/identity/profile.h"
#include "ztm_test/process.h"

namespace ztm::identity {
namespace {

TEST(AcmeStore, AccountsOrdersChallengesAndCertificatesRoundTrip) {
  auto store = AcmeStore::open(":memory:");
  ASSERT_TRUE(store.has_value()) << store.error().what();
  AcmeStore& s = **store;
  AccountRecord account{AcmeStore::new_id(), R"({"kty":"OKP"})", "thumb", "valid", "[]", 10};
  ASSERT_TRUE(s.insert_account(account).has_value());
  // The thumbprint is unique: one account per key.
  AccountRecord twin = account;
  twin.id = AcmeStore::new_id();
  EXPECT_FALSE(s.insert_account(twin).has_value());
  EXPECT_EQ(s.account_by_thumbprint("thumb").value()->id, account.id);
  EXPECT_FALSE(s.account("nope").value().has_value());

  OrderRecord order{
      AcmeStore::new_id(), account.id,  "pending", 100, {{"email", "alice@example.test"}},
      std::nullopt,        std::nullopt};
  AuthorizationRecord authz{
      AcmeStore::new_id(), order.id, account.id, {"email", "alice@example.test"}, "pending", 100};
  ChallengeRecord challenge{AcmeStore::new_id(), authz.id, "sso-01",    "tok",
                            "pending",           0,        std::nullopt};
  ASSERT_TRUE(s.insert_order(order, {authz}, {challenge}).has_value());
  auto read = s.order(order.id).value();
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->identifiers, order.identifiers);
  EXPECT_EQ(s.authorizations_of(order.id).value().size(), 1u);
  challenge.status = "invalid";
  challenge.error_json = R"({"type":"x"})";
  ASSERT_TRUE(s.update_challenge(challenge).has_value());
  EXPECT_EQ(s.challenges_of(authz.id).value().at(0).error_json, challenge.error_json);

  CertificateRecord cert;
  cert.id = AcmeStore::new_id();
  cert.order_id = order.id;
  cert.account_id = account.id;
  cert.serial_hex = "0a0b";
  cert.der = {1, 2, 3};
  cert.chain_pem = "pem";
  cert.not_after_unix = 1000;
  ASSERT_TRUE(s.insert_certificate(cert).has_value());
  EXPECT_TRUE(s.revoked_certificates(0).value().empty());
  ASSERT_TRUE(s.revoke_certificate(cert.id, 50, 1).has_value());
  EXPECT_EQ(s.revoke_certificate(cert.id, 60, 1).error().code, Errc::invalid_state);
  auto revoked = s.revoked_certificates(999).value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].der, cert.der);
  EXPECT_EQ(revoked[0].revoked_unix, 50);
  // An expired certificate leaves the CRL.
  EXPECT_TRUE(s.revoked_certificates(1001).value().empty());
}

TEST(AcmeStore, SsoLoginsAreSingleUse) {
  auto store = AcmeStore::open(":memory:").value();
  AccountRecord account{"a", "{}", "t", "valid", "[]", 0};
  ASSERT_TRUE(store->insert_account(account).has_value());
  ASSERT_TRUE(store
                  ->insert_order({"o", "a", "pending", 1, {{"email", "x@y.test"}}, {}, {}},
                                 {{"z", "o", "a", {"email", "x@y.test"}, "pending", 1}},
                                 {{"c", "z", "sso-01", "t", "pending", 0, {}}})
                  .has_value());
  ASSERT_TRUE(store->insert_sso_login({"state1", "c", "nonce", "verifier", 5}).has_value());
  auto first = store->take_sso_login("state1").value();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->nonce, "nonce");
  EXPECT_FALSE(store->take_sso_login("state1").value().has_value());
}

TEST(AcmeStore, PersistsAcrossReopen) {
  ztm_test::TempDir dir;
  const std::string path = (dir.path() / "acme.db").string();
  {
    auto store = AcmeStore::open(path).value();
    ASSERT_TRUE(store->insert_account({"a", "{}", "t", "valid", "[]", 0}).has_value());
  }
  auto store = AcmeStore::open(path).value();
  EXPECT_TRUE(store->account("a").value().has_value());
}

TEST(CertificateAuthority, InitCreatesPrivateKeyFileAndReloads) {
  ztm_test::TempDir dir;
  CaOptions options;
  options.data_dir = (dir.path() / "ca").string();
  options.key_scheme = crypto::SignatureScheme::ed25519;
  options.organization = "Example Org";
  auto ca = CertificateAuthority::init(options);
  ASSERT_TRUE(ca.has_value()) << ca.error().what();
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "ca" / "ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(ca->certificate().subject().find("Example Org"), std::string::npos);
  // A second init loads the same CA rather than replacing it.
  auto again = CertificateAuthority::init(options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->certificate().der(), ca->certificate().der());
  // A key readable by others is refused.
  ::chmod((dir.path() / "ca" / "ca.key").c_str(), 0644);
  EXPECT_EQ(CertificateAuthority::load(options.data_dir).error().code, Errc::invalid_state);
  EXPECT_EQ(CertificateAuthority::load((dir.path() / "none").string()).error().code,
            Errc::not_found);
}

TEST(CertificateAuthority, IssuesShortLivedCertificatesWithRandomSerials) {
  ztm_test::TempDir dir;
  CaOptions options;
  options.data_dir = dir.path().string();
  auto ca = CertificateAuthority::init(options).value();
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  auto csr = make_csr(key, Identity::device("room1.example.test")).value();
  auto a = ca.issue(csr, std::chrono::hours(24), "http://127.0.0.1:1/crl");
  auto b = ca.issue(csr, std::chrono::hours(24), "http://127.0.0.1:1/crl");
  ASSERT_TRUE(a.has_value()) << a.error().what();
  ASSERT_TRUE(b.has_value());
  EXPECT_NE(a->serial_hex(), b->serial_hex());
  EXPECT_LE(a->not_after() - a->not_before(), std::chrono::hours(24) + std::chrono::minutes(5));
  EXPECT_EQ(leaf_identity(*a).value(), Identity::device("room1.example.test"));
  Bytes serial = random_serial();
  EXPECT_EQ(serial.size(), 16u);
  EXPECT_EQ(serial[0] & 0x80, 0);
}

}  // namespace
}  // namespace ztm::identity
