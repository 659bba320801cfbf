#include "ztm/identity/trust_store.h"

#include <gtest/gtest.h>

#include "ztm_test/cert_factory.h"
#include "ztm_test/process.h"

namespace ztm::identity {
namespace {

TEST(AnchorSpecTest, ParsesOrganizationAndProvider) {
  auto org = parse_anchor_spec("org:Example Corp:Example.com,eng.example.org:/tmp/a:b.pem");
  ASSERT_TRUE(org) << org.error().what();
  EXPECT_EQ(org->role, AnchorRole::organization);
  EXPECT_EQ(org->organization, "Example Corp");
  EXPECT_EQ(org->domains, (std::vector<std::string>{"example.com", "eng.example.org"}));
  EXPECT_EQ(org->pem_path, "/tmp/a:b.pem");
  auto provider = parse_anchor_spec("provider:/etc/ztmeet/provider.pem");
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider->role, AnchorRole::provider);
  EXPECT_EQ(provider->pem_path, "/etc/ztmeet/provider.pem");
}

TEST(AnchorSpecTest, RejectsMalformed) {
  for (const char* spec :
       {"", "org:", "org:Name", "org:Name:example.com", "org::example.com:a.pem", "org:Name::a.pem",
        "org:Name:*.example.com:a.pem", "org:Name:example.com,:a.pem",
        "org:Name:example.com:", "provider:", "ca:a.pem"}) {
    EXPECT_FALSE(parse_anchor_spec(spec)) << spec;
  }
}

TEST(TrustStoreTest, RolesDuplicatesAndNonCa) {
  auto root = ztm_test::make_root(ztm_test::ca_spec("Root"));
  auto other = ztm_test::make_root(ztm_test::ca_spec("Other"));
  auto leaf_key = ztm_test::make_key(ztm_test::KeyType::ed25519);
  auto leaf = ztm_test::issue(ztm_test::leaf_spec({ztm_test::SanEntry::email, "a@example.com"}),
                              leaf_key.get(), &root);
  TrustStore store;
  ASSERT_TRUE(store.add_organization_anchor(root.cert, "Example Corp", {"Example.COM"}));
  EXPECT_EQ(store.anchors()[0].domains, std::vector<std::string>{"example.com"});
  EXPECT_FALSE(store.add_provider_anchor(root.cert));  // same certificate, second role
  EXPECT_FALSE(store.add_provider_anchor(leaf));       // not a CA
  EXPECT_FALSE(store.add_organization_anchor(other.cert, "", {"example.com"}));
  EXPECT_FALSE(store.add_organization_anchor(other.cert, "Other", {}));
  ASSERT_TRUE(store.add_provider_anchor(other.cert));
  ASSERT_NE(store.find(other.cert), nullptr);
  EXPECT_EQ(store.find(other.cert)->role, AnchorRole::provider);
  EXPECT_EQ(store.find(leaf), nullptr);
}

TEST(TrustStoreTest, LoadsEveryCertificateOfASpecFile) {
  ztm_test::TempDir dir("ztm-anchors");
  auto a = ztm_test::make_root(ztm_test::ca_spec("Provider A"));
  auto b = ztm_test::make_root(ztm_test::ca_spec("Provider B"));
  const auto path = (dir.path() / "providers.pem").string();
  ztm_test::write_text(path, a.cert.pem() + b.cert.pem());
  TrustStore store;
  ASSERT_TRUE(store.add_from_spec(parse_anchor_spec("provider:" + path).value()));
  EXPECT_EQ(store.anchors().size(), 2u);
  auto missing = store.add_from_spec(parse_anchor_spec("provider:" + path + ".none").value());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::io_error);
}

TEST(CertificateTest, PemAndDerRoundTrip) {
  auto root = ztm_test::make_root(ztm_test::ca_spec("Round Trip", "Org"));
  auto parsed = parse_pem_certificates(root.cert.pem() + root.cert.pem());
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].der(), root.cert.der());
  auto der = Certificate::from_der(root.cert.der());
  ASSERT_TRUE(der);
  EXPECT_EQ(der->subject(), "O=Org,CN=Round Trip");
  EXPECT_LT(der->not_before(), der->not_after());
  EXPECT_FALSE(parse_pem_certificates("no certificate here"));
  EXPECT_EQ(parse_pem_certificates(root.cert.pem() + root.cert.pem(), 1).error().code,
            Errc::limit_exceeded);
  EXPECT_FALSE(Certificate::from_der(Bytes(kMaxCertificateSizeBytes + 1, 0x30)));
}

}  // namespace
}  // namespace ztm::identity
