// Revocation: CRLs issued by the library, supplied directly, and fetched from a real
// HTTP server (python3 -m http.server on loopback) through HttpCrlFetcher.
#include "ztm/identity/crl.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <thread>

#include "ztm/http/client.h"
#include "ztm/identity/validator.h"
#include "ztm_test/cert_factory.h"
#include "ztm_test/process.h"

namespace ztm::identity {
namespace {

using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;
using std::chrono::hours;
using ztm_test::Ca;
using ztm_test::SanEntry;

struct Leaf {
  SignaturePrivateKey key;
  Certificate cert;
  std::uint64_t serial;
};

Leaf make_leaf(const Ca& issuer, const std::string& email, std::uint64_t serial,
               std::optional<std::string> crl_url) {
  auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  EXPECT_TRUE(key);
  auto spec = ztm_test::leaf_spec({SanEntry::email, email});
  spec.serial = serial;
  spec.crl_url = std::move(crl_url);
  auto cert = ztm_test::issue(spec, key->evp_pkey(), &issuer);
  return Leaf{std::move(*key), std::move(cert), serial};
}

// CountingFetcher counts the fetches that reach the real fetcher (cache misses).
class CountingFetcher : public CrlFetcher {
 public:
  Result<Bytes> fetch(const std::string& url, std::size_t max_size_bytes) override {
    ++count;
    return inner.fetch(url, max_size_bytes);
  }
  HttpCrlFetcher inner{std::chrono::seconds(5)};
  int count = 0;
};

// CrlServer serves a temporary directory over HTTP on loopback with Python's
// http.server, stopped by PID when the test ends.
class CrlServer {
 public:
  CrlServer() : port_(ztm_test::free_port()) {
    process_ = std::make_unique<ztm_test::ChildProcess>(
        "python3",
        std::vector<std::string>{"-m", "http.server", "--bind", "127.0.0.1", "--directory",
                                 dir_.path().string(), std::to_string(port_)},
        std::map<std::string, std::string>{}, dir_.path() / "server.log");
    // Wait until it answers (python starts in well under a second).
    for (int i = 0; i < 100; ++i) {
      if (http::request("GET", url("server.log"), {}, {}, {}).has_value()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "python3 http.server did not start on port " << port_;
  }
  std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + name;
  }
  void put(const std::string& name, const Bytes& der) {
    ztm_test::write_text((dir_.path() / name).string(), std::string(der.begin(), der.end()));
  }

 private:
  ztm_test::TempDir dir_{"ztm-crl"};
  std::uint16_t port_;
  std::unique_ptr<ztm_test::ChildProcess> process_;
};

class CrlTest : public ::testing::Test {
 protected:
  CrlTest() {
    EXPECT_TRUE(store_.add_organization_anchor(root_.cert, "Example Corp", {"example.com"}));
  }
  ValidationResult check(Validator& validator, const Leaf& leaf) {
    return validator.validate(to_der_chain({leaf.cert, issuing_.cert}), leaf.key.public_key(),
                              SignatureScheme::ed25519, now_);
  }

  TimePoint now_ = std::chrono::system_clock::now();
  Ca root_ = ztm_test::make_root(ztm_test::ca_spec("Example Root", "Example Corp"));
  Ca issuing_ =
      ztm_test::make_intermediate(root_, ztm_test::ca_spec("Example Issuing", "Example Corp"));
  TrustStore store_;
};

TEST_F(CrlTest, RevokedViaCrlDistributionPointOverHttp) {
  CrlServer server;
  const auto crl_url = server.url("issuing.crl");
  auto revoked = make_leaf(issuing_, "mallory@example.com", 0x5001, crl_url);
  auto good = make_leaf(issuing_, "alice@example.com", 0x5002, crl_url);
  server.put(
      "issuing.crl",
      ztm_test::make_crl(issuing_, {0x4fff, 0x5001}, now_ - hours(1), now_ + hours(6)).der());

  CountingFetcher fetcher;
  Validator validator(store_, {}, &fetcher);
  auto r = check(validator, revoked);
  EXPECT_EQ(r.status, CredentialStatus::revoked) << r.reason;
  EXPECT_NE(r.reason.find("5001"), std::string::npos) << r.reason;
  auto ok = check(validator, good);
  EXPECT_EQ(ok.status, CredentialStatus::verified) << ok.reason;
  // The second leaf used the cached CRL (valid until its nextUpdate).
  EXPECT_EQ(fetcher.count, 1);
}

TEST_F(CrlTest, UnreachableCrlFailsClosed) {
  CrlServer server;
  auto leaf = make_leaf(issuing_, "alice@example.com", 0x5003, server.url("missing.crl"));
  CountingFetcher fetcher;
  Validator validator(store_, {}, &fetcher);
  auto r = check(validator, leaf);
  EXPECT_EQ(r.status, CredentialStatus::invalid);
  EXPECT_NE(r.reason.find("revocation status unavailable"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("404"), std::string::npos) << r.reason;

  Validator no_fetcher(store_);
  EXPECT_EQ(check(no_fetcher, leaf).status, CredentialStatus::invalid);
}

TEST_F(CrlTest, StaleOrForeignOrOversizedCrlFailsClosed) {
  CrlServer server;
  auto stale_leaf = make_leaf(issuing_, "a@example.com", 0x5004, server.url("stale.crl"));
  server.put("stale.crl",
             ztm_test::make_crl(issuing_, {}, now_ - hours(48), now_ - hours(24)).der());
  auto other = ztm_test::make_root(ztm_test::ca_spec("Other CA"));
  auto foreign_leaf = make_leaf(issuing_, "b@example.com", 0x5005, server.url("foreign.crl"));
  server.put("foreign.crl", ztm_test::make_crl(other, {}, now_ - hours(1), now_ + hours(6)).der());

  HttpCrlFetcher fetcher;
  Validator validator(store_, {}, &fetcher);
  auto stale = check(validator, stale_leaf);
  EXPECT_EQ(stale.status, CredentialStatus::invalid);
  EXPECT_NE(stale.reason.find("CRL has expired"), std::string::npos) << stale.reason;
  auto foreign = check(validator, foreign_leaf);
  EXPECT_EQ(foreign.status, CredentialStatus::invalid);
  EXPECT_NE(foreign.reason.find("unable to get certificate CRL"), std::string::npos)
      << foreign.reason;

  auto big_leaf = make_leaf(issuing_, "c@example.com", 0x5006, server.url("big.crl"));
  std::vector<std::uint64_t> many(2000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = 0x10000 + i;
  server.put("big.crl", ztm_test::make_crl(issuing_, many, now_ - hours(1), now_ + hours(6)).der());
  ValidatorOptions small;
  small.limits.max_crl_size_bytes = 4096;
  Validator bounded(store_, small, &fetcher);
  auto big = check(bounded, big_leaf);
  EXPECT_EQ(big.status, CredentialStatus::invalid);
  EXPECT_NE(big.reason.find("revocation status unavailable"), std::string::npos) << big.reason;
}

TEST_F(CrlTest, SuppliedCrlWithoutDistributionPoint) {
  auto revoked = make_leaf(issuing_, "mallory@example.com", 0x6001, std::nullopt);
  auto good = make_leaf(issuing_, "alice@example.com", 0x6002, std::nullopt);
  Validator validator(store_);
  EXPECT_EQ(check(validator, revoked).status, CredentialStatus::verified);
  ASSERT_TRUE(
      validator.add_crl(ztm_test::make_crl(issuing_, {0x6001}, now_ - hours(1), now_ + hours(6))));
  EXPECT_EQ(check(validator, revoked).status, CredentialStatus::revoked);
  EXPECT_EQ(check(validator, good).status, CredentialStatus::verified);
  // An older CRL from the same issuer does not replace the newer one.
  ASSERT_TRUE(
      validator.add_crl(ztm_test::make_crl(issuing_, {}, now_ - hours(5), now_ + hours(6))));
  EXPECT_EQ(check(validator, revoked).status, CredentialStatus::revoked);
}

// A credential whose CRLs are all at hand (cached from an earlier leaf of the same
// CA, or supplied) is decided by one path validation with them; the verdict must be
// exactly the one of the two-step route a validator takes when it still has to
// fetch (path first, then the CRL): same status, same reason, for every case.
TEST_F(CrlTest, CrlAtHandGivesTheSameVerdictsAsFetchingFirst) {
  CrlServer server;
  const auto crl_url = server.url("issuing.crl");
  const Crl crl = ztm_test::make_crl(issuing_, {0x7001, 0x7005}, now_ - hours(1), now_ + hours(6));
  server.put("issuing.crl", crl.der());
  // Provider anchor with its own CRL: provider_authenticated stays so.
  Ca provider = ztm_test::make_root(ztm_test::ca_spec("Provider Root"));
  const auto provider_url = server.url("provider.crl");
  server.put("provider.crl",
             ztm_test::make_crl(provider, {0x7103}, now_ - hours(1), now_ + hours(6)).der());
  TrustStore store = store_;
  ASSERT_TRUE(store.add_provider_anchor(provider.cert));
  Ca rogue = ztm_test::make_root(ztm_test::ca_spec("Rogue Root", "Example Corp"));

  struct Case {
    std::string name;
    Leaf leaf;
    std::vector<Certificate> chain;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, const Ca& ca, const std::string& email, std::uint64_t serial,
                 const std::string& url, std::vector<Certificate> above) {
    Leaf leaf = make_leaf(ca, email, serial, url);
    std::vector<Certificate> chain{leaf.cert};
    for (auto& c : above) chain.push_back(c);
    cases.push_back(Case{std::move(name), std::move(leaf), std::move(chain)});
  };
  add("verified", issuing_, "alice@example.com", 0x7000, crl_url, {issuing_.cert});
  add("revoked", issuing_, "mallory@example.com", 0x7001, crl_url, {issuing_.cert});
  add("out-of-scope SAN", issuing_, "eve@other.org", 0x7002, crl_url, {issuing_.cert});
  add("revoked and out of scope", issuing_, "eve@other.org", 0x7005, crl_url, {issuing_.cert});
  add("wrong issuer", rogue, "carol@example.com", 0x7003, crl_url, {});
  add("provider", provider, "bob@mail.test", 0x7100, provider_url, {});
  add("provider revoked", provider, "dave@mail.test", 0x7103, provider_url, {});
  {
    auto key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
    ASSERT_TRUE(key);
    auto spec = ztm_test::leaf_spec({SanEntry::email, "old@example.com"});
    spec.serial = 0x7004;
    spec.crl_url = crl_url;
    spec.not_before = now_ - hours(48);
    spec.not_after = now_ - hours(24);
    Certificate cert = ztm_test::issue(spec, key->evp_pkey(), &issuing_);
    cases.push_back(Case{"expired", Leaf{std::move(*key), cert, 0x7004}, {cert, issuing_.cert}});
  }
  {
    // A leaf whose key is not the LeafNode's: rejected before any path check.
    Leaf other = make_leaf(issuing_, "frank@example.com", 0x7006, crl_url);
    Leaf mine = make_leaf(issuing_, "frank@example.com", 0x7007, crl_url);
    cases.push_back(Case{"key mismatch",
                         Leaf{std::move(mine.key), other.cert, 0x7006},
                         {other.cert, issuing_.cert}});
  }
  auto run = [&](Validator& validator, const Case& c) {
    return validator.validate(to_der_chain(c.chain), c.leaf.key.public_key(),
                              SignatureScheme::ed25519, now_);
  };

  HttpCrlFetcher http;
  // warm: every CRL fetched once up front, so each case finds its CRLs cached.
  CountingFetcher counting;
  Validator warm(store, {}, &counting);
  ASSERT_EQ(run(warm, cases[0]).status, CredentialStatus::verified);
  ASSERT_EQ(run(warm, cases[5]).status, CredentialStatus::provider_authenticated);
  ASSERT_EQ(counting.count, 2);
  // supplied: the issuing CA's CRL handed in, the provider's fetched.
  Validator supplied(store, {}, &http);
  ASSERT_TRUE(supplied.add_crl(crl));

  const std::vector<CredentialStatus> expected{
      CredentialStatus::verified, CredentialStatus::revoked,
      CredentialStatus::invalid,  CredentialStatus::invalid,
      CredentialStatus::invalid,  CredentialStatus::provider_authenticated,
      CredentialStatus::revoked,  CredentialStatus::expired,
      CredentialStatus::invalid};
  ASSERT_EQ(cases.size(), expected.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    Validator cold(store, {}, &http);  // fetches: path first, then the CRL
    const auto first = run(cold, cases[i]);
    EXPECT_EQ(first.status, expected[i]) << first.reason;
    for (Validator* v : {&cold, &warm, &supplied}) {
      const auto again = run(*v, cases[i]);
      EXPECT_EQ(again.status, first.status) << again.reason;
      EXPECT_EQ(again.reason, first.reason);
      EXPECT_EQ(again.summary(), first.summary());
    }
  }
  // The warm validator never fetched again.
  EXPECT_EQ(counting.count, 2);
}

TEST(CrlIssueTest, LibraryIssuedCrlRevokesLibraryIssuedLeaf) {
  const auto now = std::chrono::system_clock::now();
  auto ca_key = SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(ca_key);
  const std::vector<std::string> domains{"example.com"};
  const Bytes serial{0x42};
  auto ca = make_ca_certificate(*ca_key, "Example CA", "Example Corp",
                                {now - hours(1), now + hours(24 * 365)}, domains, serial);
  ASSERT_TRUE(ca) << ca.error().what();
  auto leaf_key = SignaturePrivateKey::generate(SignatureScheme::ed25519);
  ASSERT_TRUE(leaf_key);
  auto csr = make_csr(*leaf_key, Identity::user("alice@example.com"));
  ASSERT_TRUE(csr) << csr.error().what();
  IssueOptions options{{now - hours(1), now + hours(24)}, Bytes{0x01, 0x23, 0x45}, std::nullopt};
  auto leaf = issue_certificate(*csr, *ca_key, *ca, options);
  ASSERT_TRUE(leaf) << leaf.error().what();

  const RevokedCertificate entry{Bytes{0x01, 0x23, 0x45}, now - hours(1)};
  auto crl = issue_crl(*ca_key, *ca, {&entry, 1}, now - hours(1), now + hours(12), 7);
  ASSERT_TRUE(crl) << crl.error().what();
  EXPECT_EQ(crl->issuer(), ca->subject());
  ASSERT_TRUE(crl->next_update());
  EXPECT_GT(*crl->next_update(), now);
  auto reparsed = Crl::from_pem(crl->pem());
  ASSERT_TRUE(reparsed);
  EXPECT_EQ(reparsed->der(), crl->der());

  TrustStore store;
  ASSERT_TRUE(store.add_organization_anchor(*ca, "Example Corp", {"example.com"}));
  Validator validator(store);
  auto before = validator.validate(to_der_chain({*leaf}), leaf_key->public_key(),
                                   SignatureScheme::ed25519, now);
  EXPECT_EQ(before.status, CredentialStatus::verified) << before.reason;
  ASSERT_TRUE(validator.add_crl(*crl));
  auto after = validator.validate(to_der_chain({*leaf}), leaf_key->public_key(),
                                  SignatureScheme::ed25519, now);
  EXPECT_EQ(after.status, CredentialStatus::revoked) << after.reason;
}

TEST(CrlIssueTest, ReasonCodesAreWrittenAndUnspecifiedIsOmitted) {
  const auto now = std::chrono::system_clock::now();
  auto ca_key = SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(ca_key);
  const std::vector<std::string> domains{"example.com"};
  auto ca = make_ca_certificate(*ca_key, "Example CA", "Example Corp",
                                {now - hours(1), now + hours(24)}, domains, Bytes{0x42});
  ASSERT_TRUE(ca) << ca.error().what();
  const std::vector<RevokedCertificate> entries{{Bytes{0x01}, now - hours(1), 0},
                                                {Bytes{0x02}, now - hours(1), 1},
                                                {Bytes{0x03}, now - hours(1), 10}};
  auto crl = issue_crl(*ca_key, *ca, entries, now - hours(1), now + hours(12), 1);
  ASSERT_TRUE(crl) << crl.error().what();
  auto reason_of = [&](std::uint8_t serial) -> int {
    BIGNUM* bn = BN_bin2bn(&serial, 1, nullptr);
    ASN1_INTEGER* number = BN_to_ASN1_INTEGER(bn, nullptr);
    X509_REVOKED* entry = nullptr;
    const int found = X509_CRL_get0_by_serial(crl->x509_crl(), &entry, number);
    ASN1_INTEGER_free(number);
    BN_free(bn);
    if (found != 1) return -2;
    auto* reason = static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
    if (reason == nullptr) return -1;  // no reasonCode extension
    const int value = static_cast<int>(ASN1_ENUMERATED_get(reason));
    ASN1_ENUMERATED_free(reason);
    return value;
  };
  EXPECT_EQ(reason_of(0x01), -1);  // unspecified: no extension (RFC 5280 §5.3.1)
  EXPECT_EQ(reason_of(0x02), 1);   // keyCompromise
  EXPECT_EQ(reason_of(0x03), 10);  // aACompromise
  for (int bad : {-1, 7, 11}) {
    const RevokedCertificate entry{Bytes{0x04}, now, bad};
    auto refused = issue_crl(*ca_key, *ca, {&entry, 1}, now - hours(1), now + hours(12), 2);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  }
}

TEST(CrlCacheTest, KeepsUntilNextUpdateAndBoundsEntries) {
  const auto now = std::chrono::system_clock::now();
  auto ca = ztm_test::make_root(ztm_test::ca_spec("Cache CA"));
  CrlCache cache(2);
  cache.put("http://a/", ztm_test::make_crl(ca, {}, now - hours(1), now + hours(1)));
  EXPECT_TRUE(cache.get("http://a/", now));
  EXPECT_FALSE(cache.get("http://a/", now + hours(2)));
  EXPECT_FALSE(cache.get("http://b/", now));
  cache.put("http://b/", ztm_test::make_crl(ca, {}, now - hours(1), now + hours(3)));
  cache.put("http://c/", ztm_test::make_crl(ca, {}, now - hours(1), now + hours(2)));
  // The entry closest to expiry (a) made room.
  EXPECT_FALSE(cache.get("http://a/", now));
  EXPECT_TRUE(cache.get("http://b/", now));
  EXPECT_TRUE(cache.get("http://c/", now));
}

TEST(CrlParseTest, RejectsGarbageTrailingBytesAndOversize) {
  const auto now = std::chrono::system_clock::now();
  auto ca = ztm_test::make_root(ztm_test::ca_spec("Parse CA"));
  auto der = ztm_test::make_crl(ca, {1, 2, 3}, now, now + hours(1)).der();
  EXPECT_TRUE(Crl::from_der(der));
  EXPECT_FALSE(Crl::from_der(der, der.size() - 1));
  auto trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(Crl::from_der(trailing).error().code, Errc::trailing_data);
  EXPECT_FALSE(Crl::from_der(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}));
}

}  // namespace
}  // namespace ztm::identity
