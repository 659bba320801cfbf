// Each credential case the participant list can meet, with its typed status.
// Certificates are made at test time by test_tools' cert factory.
#include "ztm/identity/validator.h"

#include <gtest/gtest.h>

#include "ztm/crypto/signature.h"
#include "ztm_test/cert_factory.h"

namespace ztm::identity {
namespace {

using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;
using std::chrono::hours;
using std::chrono::minutes;
using ztm_test::Ca;
using ztm_test::CertSpec;
using ztm_test::KeyType;
using ztm_test::SanEntry;

struct Leaf {
  SignaturePrivateKey key;
  Certificate cert;
};

Leaf make_leaf(const Ca& issuer, const CertSpec& spec,
               SignatureScheme scheme = SignatureScheme::ed25519) {
  auto key = SignaturePrivateKey::generate(scheme);
  EXPECT_TRUE(key.has_value());
  auto cert = ztm_test::issue(spec, key->evp_pkey(), &issuer);
  return Leaf{std::move(*key), std::move(cert)};
}

CertSpec email_leaf(std::string email) {
  return ztm_test::leaf_spec({SanEntry::email, std::move(email)});
}

class ValidatorTest : public ::testing::Test {
 protected:
  ValidatorTest() {
    EXPECT_TRUE(store_.add_organization_anchor(org_root_.cert, "Example Corp", {"example.com"}));
    EXPECT_TRUE(store_.add_provider_anchor(provider_root_.cert));
  }

  ValidationResult check(const std::vector<Certificate>& chain, const Leaf& leaf,
                         SignatureScheme scheme = SignatureScheme::ed25519,
                         ValidatorOptions options = {}) {
    Validator validator(store_, options);
    const auto der = to_der_chain(chain);
    return validator.validate(der, leaf.key.public_key(), scheme, std::chrono::system_clock::now());
  }

  Ca org_root_ = ztm_test::make_root(ztm_test::ca_spec("Example Root", "Example Corp"));
  Ca org_issuing_ =
      ztm_test::make_intermediate(org_root_, ztm_test::ca_spec("Example Issuing", "Example Corp"));
  // The provider signs with RSA-2048, like Pebble and most public ACME CAs.
  Ca provider_root_ =
      ztm_test::make_root(ztm_test::ca_spec("Provider Root", "Provider"), KeyType::rsa2048);
  TrustStore store_;
};

TEST_F(ValidatorTest, VerifiedEmailUser) {
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"));
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  ASSERT_EQ(r.status, CredentialStatus::verified) << r.reason;
  ASSERT_TRUE(r.credential);
  EXPECT_EQ(r.credential->identity(), Identity::user("alice@example.com"));
  EXPECT_EQ(r.credential->organization(), "Example Corp");
  EXPECT_EQ(r.credential->domain(), "example.com");
  EXPECT_EQ(r.credential->anchor_role(), AnchorRole::organization);
  EXPECT_EQ(r.credential->chain().size(), 3u);
  EXPECT_EQ(r.summary(), "verified: alice@example.com (Example Corp)");
}

TEST_F(ValidatorTest, VerifiedDeviceInSubdomainWithServerAuthOnly) {
  auto spec = ztm_test::leaf_spec({SanEntry::dns, "room-12.berlin.example.com"});
  spec.extended_key_usage = "serverAuth";  // as public-style ACME CAs issue
  auto leaf = make_leaf(org_issuing_, spec);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  ASSERT_EQ(r.status, CredentialStatus::verified) << r.reason;
  EXPECT_EQ(r.credential->identity().kind, IdentityKind::device);
  EXPECT_EQ(r.credential->domain(), "room-12.berlin.example.com");
}

TEST_F(ValidatorTest, VerifiedServiceUriWithoutEku) {
  auto spec = ztm_test::leaf_spec({SanEntry::uri, "https://recorder.example.com/meetings"});
  spec.extended_key_usage.clear();
  auto leaf = make_leaf(org_issuing_, spec);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  ASSERT_EQ(r.status, CredentialStatus::verified) << r.reason;
  EXPECT_EQ(r.credential->identity().kind, IdentityKind::service);
}

TEST_F(ValidatorTest, EverySuiteKeyType) {
  const std::pair<std::uint16_t, SignatureScheme> suites[] = {
      {1, SignatureScheme::ed25519},
      {2, SignatureScheme::ecdsa_secp256r1_sha256},
      {4, SignatureScheme::ed448},
      {5, SignatureScheme::ecdsa_secp521r1_sha512},
      {7, SignatureScheme::ecdsa_secp384r1_sha384}};
  for (auto [suite, scheme] : suites) {
    auto expected = signature_scheme_for_suite(suite);
    ASSERT_TRUE(expected);
    EXPECT_EQ(*expected, scheme);
    auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"), scheme);
    auto r = check({leaf.cert, org_issuing_.cert}, leaf, scheme);
    EXPECT_EQ(r.status, CredentialStatus::verified) << suite << ": " << r.reason;
  }
}

TEST_F(ValidatorTest, ProviderAuthenticatedGuest) {
  auto leaf = make_leaf(provider_root_, email_leaf("bob@mail.test"));
  auto r = check({leaf.cert}, leaf);
  ASSERT_EQ(r.status, CredentialStatus::provider_authenticated) << r.reason;
  EXPECT_EQ(r.credential->anchor_role(), AnchorRole::provider);
  EXPECT_TRUE(r.credential->organization().empty());
  EXPECT_EQ(r.summary(), "provider-authenticated: bob@mail.test (not verified)");
}

TEST_F(ValidatorTest, ProviderAnchorNeverVerifiesEvenAnOrganizationDomain) {
  // A perfectly good chain whose anchor is the provider: the email's domain belongs
  // to Example Corp, but only Example Corp's CA can vouch for it.
  auto leaf = make_leaf(provider_root_, email_leaf("alice@example.com"));
  auto r = check({leaf.cert}, leaf);
  EXPECT_EQ(r.status, CredentialStatus::provider_authenticated) << r.reason;
  EXPECT_NE(r.status, CredentialStatus::verified);
}

TEST_F(ValidatorTest, Expired) {
  auto spec = email_leaf("alice@example.com");
  spec.not_before = std::chrono::system_clock::now() - hours(48);
  spec.not_after = std::chrono::system_clock::now() - hours(1);
  auto leaf = make_leaf(org_issuing_, spec);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  EXPECT_EQ(r.status, CredentialStatus::expired);
  EXPECT_NE(r.reason.find("expired"), std::string::npos) << r.reason;
  EXPECT_FALSE(r.credential);
}

TEST_F(ValidatorTest, NotYetValid) {
  auto spec = email_leaf("alice@example.com");
  spec.not_before = std::chrono::system_clock::now() + hours(1);
  auto leaf = make_leaf(org_issuing_, spec);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  EXPECT_EQ(r.status, CredentialStatus::expired);
  EXPECT_NE(r.reason.find("not yet valid"), std::string::npos) << r.reason;
}

TEST_F(ValidatorTest, ClockSkewToleratedBothWays) {
  auto early = email_leaf("alice@example.com");
  early.not_before = std::chrono::system_clock::now() + minutes(2);
  auto leaf = make_leaf(org_issuing_, early);
  EXPECT_EQ(check({leaf.cert, org_issuing_.cert}, leaf).status, CredentialStatus::verified);
  ValidatorOptions no_skew;
  no_skew.clock_skew = std::chrono::seconds(0);
  EXPECT_EQ(check({leaf.cert, org_issuing_.cert}, leaf, SignatureScheme::ed25519, no_skew).status,
            CredentialStatus::expired);

  auto late = email_leaf("alice@example.com");
  late.not_after = std::chrono::system_clock::now() - minutes(2);
  auto old = make_leaf(org_issuing_, late);
  EXPECT_EQ(check({old.cert, org_issuing_.cert}, old).status, CredentialStatus::verified);
}

TEST_F(ValidatorTest, ExpiredIntermediate) {
  auto spec = ztm_test::ca_spec("Old Issuing", "Example Corp");
  spec.not_after = std::chrono::system_clock::now() - hours(2);
  auto old_issuing = ztm_test::make_intermediate(org_root_, spec);
  auto leaf = make_leaf(old_issuing, email_leaf("alice@example.com"));
  EXPECT_EQ(check({leaf.cert, old_issuing.cert}, leaf).status, CredentialStatus::expired);
}

TEST_F(ValidatorTest, WrongKey) {
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"));
  auto other = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  ASSERT_TRUE(other);
  Validator validator(store_);
  auto r = validator.validate(to_der_chain({leaf.cert, org_issuing_.cert}), other->public_key(),
                              SignatureScheme::ed25519, std::chrono::system_clock::now());
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("differs from the LeafNode signature key"), std::string::npos)
      << r.reason;
}

TEST_F(ValidatorTest, KeyTypeNotFittingTheSuite) {
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"),
                        SignatureScheme::ecdsa_secp256r1_sha256);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf, SignatureScheme::ed25519);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("cipher suite"), std::string::npos) << r.reason;
}

TEST_F(ValidatorTest, RsaLeafKeyRejected) {
  auto key = ztm_test::make_key(KeyType::rsa2048);
  auto cert = ztm_test::issue(email_leaf("alice@example.com"), key.get(), &org_issuing_);
  Validator validator(store_);
  auto r = validator.validate(to_der_chain({cert, org_issuing_.cert}), Bytes(32, 1),
                              SignatureScheme::ed25519, std::chrono::system_clock::now());
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("Ed25519, Ed448 or ECDSA"), std::string::npos) << r.reason;
}

TEST_F(ValidatorTest, WrongSanTypeOrCount) {
  auto ip = ztm_test::leaf_spec({SanEntry::ip, "192.0.2.7"});
  auto two = email_leaf("alice@example.com");
  two.sans.push_back({SanEntry::email, "alice2@example.com"});
  auto none = email_leaf("alice@example.com");
  none.sans.clear();
  auto wildcard = ztm_test::leaf_spec({SanEntry::dns, "*.example.com"});
  for (const auto& [spec, why] :
       {std::pair{ip, "rfc822Name, dNSName or URI"}, std::pair{two, "exactly one name"},
        std::pair{none, "no subjectAltName"}, std::pair{wildcard, "not a DNS name"}}) {
    auto leaf = make_leaf(org_issuing_, spec);
    auto r = check({leaf.cert, org_issuing_.cert}, leaf);
    EXPECT_EQ(r.status, CredentialStatus::invalid);
    EXPECT_NE(r.reason.find(why), std::string::npos) << r.reason;
  }
}

TEST_F(ValidatorTest, SubjectCommonNameIsNeverMatched) {
  auto spec = email_leaf("mallory@example.com");
  spec.common_name = "alice@example.com";
  auto leaf = make_leaf(org_issuing_, spec);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  ASSERT_EQ(r.status, CredentialStatus::verified);
  EXPECT_EQ(r.credential->identity().value, "mallory@example.com");
  EXPECT_EQ(r.credential->display_name(), "alice@example.com");
}

TEST_F(ValidatorTest, OrganizationCaOutsideItsDomains) {
  // Example Corp's CA has no name constraints, yet it cannot vouch for other.org.
  auto leaf = make_leaf(org_issuing_, email_leaf("mallory@other.org"));
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("outside the domains of Example Corp"), std::string::npos) << r.reason;
  // A look-alike suffix is not a subdomain.
  auto look_alike = make_leaf(org_issuing_, ztm_test::leaf_spec({SanEntry::dns, "badexample.com"}));
  EXPECT_EQ(check({look_alike.cert, org_issuing_.cert}, look_alike).status,
            CredentialStatus::invalid);
}

TEST_F(ValidatorTest, OrganizationCaWithNameConstraints) {
  // The store trusts this CA for two domains, but the CA's own name constraints
  // permit only example.com: path validation enforces them.
  auto root = ztm_test::make_root(ztm_test::ca_spec("Constrained Root", "Example Corp"));
  auto issuing_spec = ztm_test::ca_spec("Constrained Issuing", "Example Corp");
  issuing_spec.permitted_domains = {"example.com"};
  auto issuing = ztm_test::make_intermediate(root, issuing_spec);
  TrustStore store;
  ASSERT_TRUE(
      store.add_organization_anchor(root.cert, "Example Corp", {"example.com", "evil.test"}));
  Validator validator(store);
  const auto now = std::chrono::system_clock::now();

  for (const auto& spec : {email_leaf("alice@example.com"), email_leaf("bob@eng.example.com"),
                           ztm_test::leaf_spec({SanEntry::dns, "room.example.com"}),
                           ztm_test::leaf_spec({SanEntry::uri, "https://rec.example.com/"})}) {
    auto leaf = make_leaf(issuing, spec);
    auto r = validator.validate(to_der_chain({leaf.cert, issuing.cert}), leaf.key.public_key(),
                                SignatureScheme::ed25519, now);
    EXPECT_EQ(r.status, CredentialStatus::verified) << spec.sans[0].value << ": " << r.reason;
  }
  for (const auto& spec :
       {email_leaf("eve@evil.test"), ztm_test::leaf_spec({SanEntry::dns, "room.evil.test"}),
        ztm_test::leaf_spec({SanEntry::uri, "https://rec.evil.test/"})}) {
    auto leaf = make_leaf(issuing, spec);
    auto r = validator.validate(to_der_chain({leaf.cert, issuing.cert}), leaf.key.public_key(),
                                SignatureScheme::ed25519, now);
    EXPECT_EQ(r.status, CredentialStatus::invalid) << spec.sans[0].value;
    EXPECT_NE(r.reason.find("subtree"), std::string::npos) << r.reason;
  }
}

TEST_F(ValidatorTest, IntermediateAsOrganizationAnchor) {
  TrustStore store;
  ASSERT_TRUE(store.add_organization_anchor(org_issuing_.cert, "Example Corp", {"example.com"}));
  Validator validator(store);
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"));
  auto r = validator.validate(to_der_chain({leaf.cert}), leaf.key.public_key(),
                              SignatureScheme::ed25519, std::chrono::system_clock::now());
  ASSERT_EQ(r.status, CredentialStatus::verified) << r.reason;
  EXPECT_EQ(r.credential->chain().size(), 2u);
}

TEST_F(ValidatorTest, UntrustedRoot) {
  auto stranger = ztm_test::make_root(ztm_test::ca_spec("Stranger Root"));
  auto leaf = make_leaf(stranger, email_leaf("alice@example.com"));
  auto r = check({leaf.cert, stranger.cert}, leaf);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("self-signed certificate in certificate chain"), std::string::npos)
      << r.reason;
  auto without_root = check({leaf.cert}, leaf);
  EXPECT_EQ(without_root.status, CredentialStatus::invalid);
  EXPECT_NE(without_root.reason.find("unable to get local issuer"), std::string::npos)
      << without_root.reason;
}

TEST_F(ValidatorTest, OverLongChain) {
  // root -> 4 intermediates -> leaf is a 6-certificate path; the default allows 5.
  std::vector<Ca> cas{org_root_};
  for (int i = 0; i < 4; ++i) {
    cas.push_back(ztm_test::make_intermediate(
        cas.back(), ztm_test::ca_spec("Level " + std::to_string(i), "Example Corp")));
  }
  auto leaf = make_leaf(cas.back(), email_leaf("alice@example.com"));
  std::vector<Certificate> chain{leaf.cert};
  for (std::size_t i = cas.size() - 1; i >= 1; --i) chain.push_back(cas[i].cert);
  auto r = check(chain, leaf);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("too long"), std::string::npos) << r.reason;

  ValidatorOptions longer;
  longer.limits.max_chain_length = 6;
  EXPECT_EQ(check(chain, leaf, SignatureScheme::ed25519, longer).status,
            CredentialStatus::verified);
}

TEST_F(ValidatorTest, TooManyCertificates) {
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"));
  std::vector<Certificate> chain{leaf.cert};
  for (int i = 0; i < 8; ++i) chain.push_back(org_issuing_.cert);
  auto r = check(chain, leaf);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("at most 8"), std::string::npos) << r.reason;
}

TEST_F(ValidatorTest, UnknownCriticalExtension) {
  auto spec = email_leaf("alice@example.com");
  spec.unknown_critical_extension = true;
  auto leaf = make_leaf(org_issuing_, spec);
  auto r = check({leaf.cert, org_issuing_.cert}, leaf);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("unhandled critical extension"), std::string::npos) << r.reason;
}

TEST_F(ValidatorTest, OffProfileExtensions) {
  auto ca_leaf = email_leaf("alice@example.com");
  ca_leaf.is_ca = true;
  auto no_bc = email_leaf("alice@example.com");
  no_bc.basic_constraints = false;
  auto no_ds = email_leaf("alice@example.com");
  no_ds.key_usage = "critical,keyAgreement";
  auto any_eku = email_leaf("alice@example.com");
  any_eku.extended_key_usage = "clientAuth,anyExtendedKeyUsage";
  auto server_user = email_leaf("alice@example.com");
  server_user.extended_key_usage = "serverAuth";
  auto code_signing = ztm_test::leaf_spec({SanEntry::dns, "room.example.com"});
  code_signing.extended_key_usage = "codeSigning";
  for (const auto& [spec, why] :
       {std::pair{ca_leaf, "CA certificate"}, std::pair{no_bc, "lacks basicConstraints"},
        std::pair{no_ds, "lacks digitalSignature"}, std::pair{any_eku, "anyExtendedKeyUsage"},
        std::pair{server_user, "needs clientAuth"},
        std::pair{code_signing, "clientAuth or serverAuth"}}) {
    auto leaf = make_leaf(org_issuing_, spec);
    auto r = check({leaf.cert, org_issuing_.cert}, leaf);
    EXPECT_EQ(r.status, CredentialStatus::invalid) << why;
    EXPECT_NE(r.reason.find(why), std::string::npos) << r.reason;
  }
}

TEST_F(ValidatorTest, MalformedCertificateBytes) {
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"));
  Validator validator(store_);
  const auto now = std::chrono::system_clock::now();
  auto der = to_der_chain({leaf.cert, org_issuing_.cert});
  der[0].push_back(0);
  EXPECT_EQ(validator.validate(der, leaf.key.public_key(), SignatureScheme::ed25519, now).status,
            CredentialStatus::invalid);
  der[0].resize(der[0].size() / 2);
  EXPECT_EQ(validator.validate(der, leaf.key.public_key(), SignatureScheme::ed25519, now).status,
            CredentialStatus::invalid);
  EXPECT_EQ(validator.validate({}, leaf.key.public_key(), SignatureScheme::ed25519, now).status,
            CredentialStatus::invalid);
}

TEST_F(ValidatorTest, TamperedLeafSignature) {
  auto leaf = make_leaf(org_issuing_, email_leaf("alice@example.com"));
  auto der = to_der_chain({leaf.cert, org_issuing_.cert});
  der[0][der[0].size() - 5] ^= 0x01;  // inside the issuer's signature
  Validator validator(store_);
  auto r = validator.validate(der, leaf.key.public_key(), SignatureScheme::ed25519,
                              std::chrono::system_clock::now());
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("signature"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace ztm::identity
