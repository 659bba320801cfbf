// sso-01 end to end against a fake IdP whose ID tokens the test crafts: a good
// login issues a certificate for the email; a token with a mismatched email, the
// wrong audience, a bad signature or past its expiry makes the challenge invalid
// with a problem document, and nothing is issued. (The same flow against a real
// IdP, oidc-provider, is acme_server_oidc_interop_test.cc.)
#include "ztm/identity/sso_challenge.h"

#include <gtest/gtest.h>

#include "internal/c_acme_test_env.h"
#include "internal/c_oidc_test_idp.h"
#include "ztm/identity/acme_client.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using testing::AcmeTestEnv;
using testing::FakeIdp;
using testing::TestSigningKey;

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SsoChallengeTest : public ::testing::Test {
 protected:
  SsoChallengeTest()
      : rs_key_(TestSigningKey::Alg::rs256, "rs"),
        es_key_(TestSigningKey::Alg::es256, "es"),
        idp_(json{{"keys", {rs_key_.jwk(), es_key_.jwk()}}}) {}

  void SetUp() override {
    AcmeServerOptions options;
    OidcClientConfig oidc;
    oidc.issuer = idp_.issuer();
    oidc.client_id = "acme-ca";
    oidc.client_secret = SecretBytes(as_bytes("s3cret"));
    options.oidc = std::move(oidc);
    env_ = AcmeTestEnv::start(std::move(options));
    AcmeClientOptions o;
    o.directory_url = env_->directory_url();
    o.http = env_->client_options();
    o.default_poll_interval = std::chrono::milliseconds(50);
    o.poll_timeout = std::chrono::seconds(10);
    auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
    client_ = std::make_unique<AcmeClient>(AcmeClient::connect(o, std::move(key)).value());
    ASSERT_TRUE(client_->new_account({}).has_value());
  }

  json claims(const std::string& nonce) const {
    return {{"iss", idp_.issuer()},
            {"sub", "alice"},
            {"aud", "acme-ca"},
            {"nonce", nonce},
            {"iat", now()},
            {"exp", now() + 300},
            {"email", "alice@example.test"},
            {"email_verified", true}};
  }

  // login runs the browser's part: open sso_url, (the IdP would log in here), come
  // back to the callback with a code. Returns the callback's HTTP status.
  int login(const SsoChallengeObject& sso, bool send_cookie = true) {
    auto start = http::request("GET", sso.sso_url, {}, "", env_->client_options());
    EXPECT_TRUE(start.has_value());
    EXPECT_EQ(start->status, 303);
    std::string location = start->headers.get("Location").value_or("");
    EXPECT_EQ(location.rfind(idp_.issuer() + "/auth?", 0), 0u) << location;
    std::string state = idp_.expect_authorization(location);
    std::string cookie = start->headers.get("Set-Cookie").value_or("");
    cookie = cookie.substr(0, cookie.find(';'));
    http::Headers headers;
    if (send_cookie) headers.set("Cookie", cookie);
    auto back = http::request("GET", env_->base_url() + "/sso/callback?code=c0de&state=" + state,
                              headers, "", env_->client_options());
    EXPECT_TRUE(back.has_value());
    return back->status;
  }

  // start_order orders a certificate for email and returns the sso-01 challenge.
  std::pair<AcmeOrder, SsoChallengeObject> start_order(const std::string& email) {
    auto order = client_->new_order({{"email", email}});
    EXPECT_TRUE(order.has_value());
    auto authz = client_->get_authorization(order->authorizations.at(0));
    EXPECT_TRUE(authz.has_value());
    EXPECT_EQ(authz->challenges.size(), 1u);
    auto sso = parse_sso_challenge(authz->challenges.at(0).raw);
    EXPECT_TRUE(sso.has_value());
    auto answered = client_->respond_to_challenge(authz->challenges.at(0));
    EXPECT_TRUE(answered.has_value());
    EXPECT_EQ(answered->status, "processing");
    return {*order, *sso};
  }

  // expect_refused checks that the login failed with a problem naming why and that
  // the order cannot be finalized.
  void expect_refused(const AcmeOrder& order, const std::string& detail_part) {
    auto authz = client_->get_authorization(order.authorizations.at(0));
    ASSERT_TRUE(authz.has_value());
    EXPECT_EQ(authz->status, "invalid");
    ASSERT_TRUE(authz->challenges.at(0).error.has_value());
    EXPECT_EQ(authz->challenges.at(0).error->acme_type(), "unauthorized");
    EXPECT_NE(authz->challenges.at(0).error->detail.find(detail_part), std::string::npos)
        << authz->challenges.at(0).error->detail;
    auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
    auto csr = make_csr(key, Identity::user(order.identifiers.at(0).value)).value();
    auto current = client_->get_order(order.url);
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(current->status, "invalid");
    EXPECT_FALSE(current->certificate.has_value());
    EXPECT_FALSE(client_->finalize(order, csr).has_value());
  }

  TestSigningKey rs_key_;
  TestSigningKey es_key_;
  FakeIdp idp_;
  std::unique_ptr<AcmeTestEnv> env_;
  std::unique_ptr<AcmeClient> client_;
};

TEST_F(SsoChallengeTest, GoodLoginIssuesCertificateForTheEmail) {
  for (const TestSigningKey* key : {&rs_key_, &es_key_}) {
    idp_.set_token_maker([&, key](const std::string& nonce) { return key->sign(claims(nonce)); });
    auto [order, sso] = start_order("alice@example.test");
    EXPECT_EQ(login(sso), 200);
    auto authz = client_->wait_for_authorization(order.authorizations.at(0));
    ASSERT_TRUE(authz.has_value()) << authz.error().what();
    EXPECT_EQ(authz->status, "valid");
    auto cert_key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
    auto csr = make_csr(cert_key, Identity::user("alice@example.test")).value();
    auto done = client_->finalize(order, csr);
    ASSERT_TRUE(done.has_value()) << done.error().what();
    auto chain = client_->download_certificate(*done->certificate);
    ASSERT_TRUE(chain.has_value());
    auto certs = parse_pem_certificates(*chain).value();
    EXPECT_EQ(leaf_identity(certs.at(0)).value(), Identity::user("alice@example.test"));
  }
}

TEST_F(SsoChallengeTest, MismatchedEmailIssuesNothing) {
  idp_.set_token_maker([&](const std::string& nonce) {
    json c = claims(nonce);
    c["email"] = "bob@example.test";
    return rs_key_.sign(c);
  });
  auto [order, sso] = start_order("alice@example.test");
  EXPECT_EQ(login(sso), 403);
  expect_refused(order, "bob@example.test");
}

TEST_F(SsoChallengeTest, WrongAudienceIssuesNothing) {
  idp_.set_token_maker([&](const std::string& nonce) {
    json c = claims(nonce);
    c["aud"] = "some-other-app";
    return es_key_.sign(c);
  });
  auto [order, sso] = start_order("alice@example.test");
  EXPECT_EQ(login(sso), 403);
  expect_refused(order, "id_token.aud");
}

TEST_F(SsoChallengeTest, BadSignatureIssuesNothing) {
  TestSigningKey impostor(TestSigningKey::Alg::rs256, "rs");  // same kid, other key
  idp_.set_token_maker([&](const std::string& nonce) { return impostor.sign(claims(nonce)); });
  auto [order, sso] = start_order("alice@example.test");
  EXPECT_EQ(login(sso), 403);
  expect_refused(order, "signature");
}

TEST_F(SsoChallengeTest, ExpiredTokenIssuesNothing) {
  idp_.set_token_maker([&](const std::string& nonce) {
    json c = claims(nonce);
    c["iat"] = now() - 3600;
    c["exp"] = now() - 600;
    return rs_key_.sign(c);
  });
  auto [order, sso] = start_order("alice@example.test");
  EXPECT_EQ(login(sso), 403);
  expect_refused(order, "expired");
}

TEST_F(SsoChallengeTest, CallbackNeedsTheBrowserThatStartedAndIsSingleUse) {
  idp_.set_token_maker([&](const std::string& nonce) { return rs_key_.sign(claims(nonce)); });
  auto [order, sso] = start_order("alice@example.test");
  EXPECT_EQ(login(sso, /*send_cookie=*/false), 403);
  EXPECT_EQ(idp_.token_requests(), 0);  // refused before the code was redeemed
  // The challenge is still open: a login from the right browser completes it.
  EXPECT_EQ(login(sso), 200);
  auto authz = client_->wait_for_authorization(order.authorizations.at(0));
  ASSERT_TRUE(authz.has_value());
  EXPECT_EQ(authz->status, "valid");
  auto unknown = http::request("GET", env_->base_url() + "/sso/callback?code=x&state=nope", {}, "",
                               env_->client_options());
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->status, 400);
}

}  // namespace
}  // namespace ztm::identity
