// The credential profile: identity syntax, scope, CSR building and parsing, and
// certificate issuance for a CA (the calls the ACME client and server make).
#include "ztm/identity/profile.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "ztm/identity/validator.h"
#include "ztm_test/cert_factory.h"

namespace ztm::identity {
namespace {

using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;
using std::chrono::hours;

TEST(IdentityTest, DomainsOfEachKind) {
  EXPECT_EQ(identity_domain(Identity::user("Alice.Smith+meet@Example.COM")).value(), "example.com");
  EXPECT_EQ(identity_domain(Identity::device("Room-12.Berlin.example.com")).value(),
            "room-12.berlin.example.com");
  EXPECT_EQ(identity_domain(Identity::service("https://rec.example.com:8443/x?y")).value(),
            "rec.example.com");
}

TEST(IdentityTest, RejectsMalformedNames) {
  for (const char* email : {"alice", "a@b@example.com", "@example.com", "alice@", ".a@example.com",
                            "a..b@example.com", "a b@example.com", "a@localhost", "a@192.168.1.1",
                            "a@-x.example.com", "a\"q\"@example.com"}) {
    EXPECT_FALSE(identity_domain(Identity::user(email))) << email;
  }
  for (const char* dns : {"*.example.com", "example", "a..example.com", "exa_mple.com", "10.0.0.1",
                          "é.example.com", ""}) {
    EXPECT_FALSE(identity_domain(Identity::device(dns))) << dns;
  }
  for (const char* uri :
       {"rec.example.com", "://rec.example.com", "https://u@rec.example.com/", "https://[::1]/",
        "https://rec.example.com/a b", "1x://rec.example.com"}) {
    EXPECT_FALSE(identity_domain(Identity::service(uri))) << uri;
  }
  EXPECT_FALSE(is_valid_domain_name(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(is_valid_domain_name(std::string(63, 'a') + ".com"));
}

TEST(IdentityTest, ScopeIsTheDomainOrASubdomain) {
  EXPECT_TRUE(domain_in_scope("example.com", "example.com"));
  EXPECT_TRUE(domain_in_scope("eng.example.com", "example.com"));
  EXPECT_FALSE(domain_in_scope("badexample.com", "example.com"));
  EXPECT_FALSE(domain_in_scope("example.com", "eng.example.com"));
  EXPECT_FALSE(domain_in_scope("example.com.evil.test", "example.com"));
  EXPECT_FALSE(domain_in_scope("example.com", ""));
}

TEST(IdentityTest, SuiteSchemes) {
  EXPECT_EQ(signature_scheme_for_suite(3).value(), SignatureScheme::ed25519);
  EXPECT_EQ(signature_scheme_for_suite(6).value(), SignatureScheme::ed448);
  EXPECT_EQ(signature_scheme_for_suite(0).error().code, Errc::unsupported);
  EXPECT_EQ(signature_scheme_for_suite(8).error().code, Errc::unsupported);
}

TEST(CsrTest, RoundTripForEachKindAndScheme) {
  const std::pair<Identity, SignatureScheme> cases[] = {
      {Identity::user("alice@example.com"), SignatureScheme::ed25519},
      {Identity::device("room-12.example.com"), SignatureScheme::ecdsa_secp256r1_sha256},
      {Identity::service("https://rec.example.com/"), SignatureScheme::ecdsa_secp384r1_sha384},
      {Identity::user("bob@example.com"), SignatureScheme::ed448},
      {Identity::user("carol@example.com"), SignatureScheme::ecdsa_secp521r1_sha512}};
  for (const auto& [identity, scheme] : cases) {
    auto key = SignaturePrivateKey::generate(scheme);
    ASSERT_TRUE(key);
    auto der = make_csr(*key, identity);
    ASSERT_TRUE(der) << der.error().what();
    auto parsed = parse_csr(*der);
    ASSERT_TRUE(parsed) << parsed.error().what();
    EXPECT_EQ(parsed->identity, identity);
    EXPECT_EQ(parsed->public_key.scheme, scheme);
    EXPECT_EQ(parsed->public_key.public_key, key->public_key());
  }
}

TEST(CsrTest, LongIdentityHasNoCommonNameAndACriticalSan) {
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  ASSERT_TRUE(key);
  const Identity identity = Identity::user(std::string(60, 'a') + "@example.com");
  auto der = make_csr(*key, identity);
  ASSERT_TRUE(der) << der.error().what();
  auto parsed = parse_csr(*der);
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->identity, identity);
}

TEST(CsrTest, RejectsTamperedTrailingAndOffProfile) {
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  ASSERT_TRUE(key);
  EXPECT_FALSE(make_csr(*key, Identity::device("*.example.com")));
  auto der = make_csr(*key, Identity::user("alice@example.com")).value();
  auto trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(parse_csr(trailing).error().code, Errc::trailing_data);
  auto tampered = der;
  tampered[tampered.size() - 3] ^= 0x10;  // inside the signature
  EXPECT_EQ(parse_csr(tampered).error().code, Errc::authentication_failed);
  EXPECT_FALSE(parse_csr(Bytes{0x30, 0x00}));
}

class IssueTest : public ::testing::Test {
 protected:
  IssueTest() {
    const std::vector<std::string> domains{"example.com"};
    auto ca = make_ca_certificate(ca_key_, "Example CA", "Example Corp",
                                  {now_ - hours(1), now_ + hours(24 * 365)}, domains, Bytes{0x7f});
    EXPECT_TRUE(ca) << ca.error().what();
    ca_.push_back(std::move(*ca));
    EXPECT_TRUE(store_.add_organization_anchor(ca_[0], "Example Corp", {"example.com"}));
  }
  IssueOptions options(std::optional<std::string> crl_url = std::nullopt) const {
    return {{now_ - hours(1), now_ + hours(24)}, Bytes{0x12, 0x34}, std::move(crl_url)};
  }

  TimePoint now_ = std::chrono::system_clock::now();
  SignaturePrivateKey ca_key_ =
      SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp256r1_sha256).value();
  std::vector<Certificate> ca_;  // one element; Certificate has no empty state
  TrustStore store_;
};

TEST_F(IssueTest, IssuedLeafFollowsTheProfileAndVerifies) {
  for (auto scheme : {SignatureScheme::ed25519, SignatureScheme::ecdsa_secp384r1_sha384}) {
    auto key = SignaturePrivateKey::generate(scheme).value();
    auto csr = make_csr(key, Identity::device("room-7.example.com")).value();
    auto leaf = issue_certificate(csr, ca_key_, ca_[0], options("http://ca.example.com/ca.crl"));
    ASSERT_TRUE(leaf) << leaf.error().what();
    EXPECT_EQ(leaf->subject(), "CN=room-7.example.com");
    EXPECT_EQ(leaf->issuer(), ca_[0].subject());
    EXPECT_EQ(leaf->serial_hex(), "1234");
    EXPECT_EQ(leaf_identity(*leaf).value(), Identity::device("room-7.example.com"));
    EXPECT_TRUE(check_leaf_profile(*leaf, Identity::device("room-7.example.com"), scheme));
    EXPECT_EQ(leaf_public_key(*leaf).value().public_key, key.public_key());
    EXPECT_NE(X509_get0_subject_key_id(leaf->x509()), nullptr);
    EXPECT_NE(X509_get0_authority_key_id(leaf->x509()), nullptr);
    EXPECT_EQ(X509_get_extended_key_usage(leaf->x509()) & XKU_SSL_CLIENT, XKU_SSL_CLIENT);

    // A fetcher-less validator must refuse: the leaf names a CRL it cannot get.
    Validator validator(store_);
    auto r = validator.validate(to_der_chain({*leaf}), key.public_key(), scheme, now_);
    EXPECT_EQ(r.status, CredentialStatus::invalid);
    EXPECT_NE(r.reason.find("http://ca.example.com/ca.crl"), std::string::npos) << r.reason;
  }
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519).value();
  auto csr = make_csr(key, Identity::user("alice@example.com")).value();
  auto leaf = issue_certificate(csr, ca_key_, ca_[0], options()).value();
  Validator validator(store_);
  auto r =
      validator.validate(to_der_chain({leaf}), key.public_key(), SignatureScheme::ed25519, now_);
  ASSERT_EQ(r.status, CredentialStatus::verified) << r.reason;
  EXPECT_EQ(r.credential->identity(), Identity::user("alice@example.com"));
}

TEST_F(IssueTest, CaNameConstraintsStopForeignNamesEvenIfTheStoreAllowsThem) {
  TrustStore broad;
  ASSERT_TRUE(broad.add_organization_anchor(ca_[0], "Example Corp", {"example.com", "other.org"}));
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519).value();
  auto csr = make_csr(key, Identity::user("eve@other.org")).value();
  auto leaf = issue_certificate(csr, ca_key_, ca_[0], options()).value();
  Validator validator(broad);
  auto r =
      validator.validate(to_der_chain({leaf}), key.public_key(), SignatureScheme::ed25519, now_);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("permitted subtree violation"), std::string::npos) << r.reason;
}

TEST_F(IssueTest, RefusesBadInputs) {
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519).value();
  auto csr = make_csr(key, Identity::user("alice@example.com")).value();
  auto other_key = SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp256r1_sha256).value();
  EXPECT_EQ(issue_certificate(csr, other_key, ca_[0], options()).error().code, Errc::invalid_key);
  auto too_long = options();
  too_long.validity.not_after = now_ + hours(24 * 400);
  EXPECT_EQ(issue_certificate(csr, ca_key_, ca_[0], too_long).error().code, Errc::invalid_argument);
  auto bad_serial = options();
  bad_serial.serial = Bytes{0x80, 0x01};
  EXPECT_EQ(issue_certificate(csr, ca_key_, ca_[0], bad_serial).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(
      issue_certificate(csr, ca_key_, ca_[0], options("https://x.example.com/c.crl")).error().code,
      Errc::invalid_argument);
  EXPECT_EQ(
      issue_certificate(csr, ca_key_, ca_[0], options("http://x.example.com/a,b")).error().code,
      Errc::invalid_argument);
  // A leaf is not a CA: it cannot issue.
  auto leaf = issue_certificate(csr, ca_key_, ca_[0], options()).value();
  EXPECT_EQ(issue_certificate(csr, key, leaf, options()).error().code, Errc::invalid_argument);
}

TEST(IssueRsaCsrTest, RsaCsrIsOutsideTheProfile) {
  auto rsa = ztm_test::make_key(ztm_test::KeyType::rsa2048);
  X509_REQ* req = X509_REQ_new();
  ASSERT_NE(req, nullptr);
  X509_REQ_set_pubkey(req, rsa.get());
  X509_REQ_sign(req, rsa.get(), EVP_sha256());
  Bytes der(static_cast<std::size_t>(i2d_X509_REQ(req, nullptr)));
  unsigned char* p = der.data();
  i2d_X509_REQ(req, &p);
  X509_REQ_free(req);
  auto parsed = parse_csr(der);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, Errc::protocol_violation);
}

}  // namespace
}  // namespace ztm::identity
