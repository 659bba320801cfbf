// sso-01 end to end against a real OpenID Connect provider (npm oidc-provider 9.x,
// started with node test_tools/peers/oidc_provider.mjs): ztmeet's ACME client
// orders a certificate for alice@example.test, and this test plays the user's
// browser with a cookie jar — it opens the challenge's sso_url, follows the
// redirects to the IdP, signs in and consents on its development pages, and follows
// the redirect back to the ACME server's callback. Signing in as someone else
// (bob) makes the challenge invalid and issues nothing.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "internal/c_acme_test_env.h"
#include "ztm/identity/acme_client.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/sso_challenge.h"
#include "ztm/identity/sso_test_browser.h"

namespace ztm::identity {
namespace {

using testing::AcmeTestEnv;

class OidcProviderInterop : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    const std::uint16_t acme_port = ztm_test::free_port();
    const std::uint16_t idp_port = ztm_test::free_port();
    issuer_ = "http://127.0.0.1:" + std::to_string(idp_port);
    const std::string redirect = "https://127.0.0.1:" + std::to_string(acme_port) + "/sso/callback";
    std::vector<std::string> args{
        std::string(ZTM_SOURCE_DIR) + "/test_tools/peers/oidc_provider.mjs",
        "--port",
        std::to_string(idp_port),
        "--issuer",
        issuer_,
        "--client-id",
        "acme-ca",
        "--client-secret",
        "s3cret",
        "--redirect-uri",
        redirect,
        "--user",
        "alice@example.test",
        "--user",
        "bob@example.test"};
    if (GetParam()) args.push_back("--es256");
    idp_log_ = work_.path() / "oidc-provider.log";
    idp_ = std::make_unique<ztm_test::ChildProcess>("node", args,
                                                    std::map<std::string, std::string>{}, idp_log_);
    bool up = false;
    for (int i = 0; i < 150 && !up; ++i) {
      auto r = http::request("GET", issuer_ + "/.well-known/openid-configuration", {}, "");
      up = r.has_value() && r->status == 200;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(up) << ztm_test::read_text(idp_log_);

    AcmeServerOptions options;
    OidcClientConfig oidc;
    oidc.issuer = issuer_;
    oidc.client_id = "acme-ca";
    oidc.client_secret = SecretBytes(as_bytes("s3cret"));
    options.oidc = std::move(oidc);
    options.email_domains = {"example.test"};
    env_ = AcmeTestEnv::start(std::move(options), acme_port);

    AcmeClientOptions o;
    o.directory_url = env_->directory_url();
    o.http = env_->client_options();
    o.default_poll_interval = std::chrono::milliseconds(100);
    o.poll_timeout = std::chrono::seconds(20);
    auto key =
        crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
    client_ = std::make_unique<AcmeClient>(AcmeClient::connect(o, std::move(*key)).value());
    ASSERT_TRUE(client_->new_account({"mailto:alice@example.test"}).has_value());
  }

  // sign_in plays the browser from sso_url to the ACME callback (SsoTestBrowser:
  // redirects, cookies, the IdP's login and consent forms), logging in as login;
  // returns the callback's answer.
  http::Response sign_in(const std::string& sso_url, const std::string& login) {
    SsoTestBrowserOptions options;
    options.http = env_->client_options();
    auto page = sso_test_sign_in(sso_url, {login, SecretBytes(as_bytes("x"))}, options);
    EXPECT_TRUE(page.has_value()) << page.error().what() << ztm_test::read_text(idp_log_);
    return page ? *page : http::Response{0, {}, ""};
  }

  std::pair<AcmeOrder, SsoChallengeObject> order(const std::string& email) {
    auto o = client_->new_order({{"email", email}});
    EXPECT_TRUE(o.has_value());
    auto authz = client_->get_authorization(o->authorizations.at(0));
    auto sso = parse_sso_challenge(authz->challenges.at(0).raw);
    EXPECT_TRUE(sso.has_value());
    EXPECT_TRUE(client_->respond_to_challenge(authz->challenges.at(0)).has_value());
    return {*o, *sso};
  }

  ztm_test::TempDir work_{"ztm-oidc"};
  std::string issuer_;
  std::filesystem::path idp_log_;
  std::unique_ptr<ztm_test::ChildProcess> idp_;
  std::unique_ptr<AcmeTestEnv> env_;
  std::unique_ptr<AcmeClient> client_;
};

TEST_P(OidcProviderInterop, SsoLoginIssuesCertificateForAlice) {
  auto [o, sso] = order("alice@example.test");
  auto done_page = sign_in(sso.sso_url, "alice@example.test");
  ASSERT_EQ(done_page.status, 200) << done_page.body << ztm_test::read_text(idp_log_);
  auto authz = client_->wait_for_authorization(o.authorizations.at(0));
  ASSERT_TRUE(authz.has_value()) << authz.error().what();
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  auto csr = make_csr(key, Identity::user("alice@example.test")).value();
  auto done = client_->finalize(o, csr);
  ASSERT_TRUE(done.has_value()) << done.error().what();
  auto chain = client_->download_certificate(*done->certificate);
  ASSERT_TRUE(chain.has_value());
  auto certs = parse_pem_certificates(*chain).value();
  EXPECT_EQ(leaf_identity(certs.at(0)).value(), Identity::user("alice@example.test"));
}

TEST_P(OidcProviderInterop, SigningInAsSomeoneElseIssuesNothing) {
  auto [o, sso] = order("alice@example.test");
  auto refused = sign_in(sso.sso_url, "bob@example.test");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("bob@example.test"), std::string::npos);
  auto current = client_->get_order(o.url);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->status, "invalid");
  EXPECT_FALSE(current->certificate.has_value());
  auto authz = client_->get_authorization(o.authorizations.at(0));
  ASSERT_TRUE(authz->challenges.at(0).error.has_value());
  EXPECT_EQ(authz->challenges.at(0).error->acme_type(), "unauthorized");
}

INSTANTIATE_TEST_SUITE_P(IdTokenAlg, OidcProviderInterop, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ES256" : "RS256"; });

}  // namespace
}  // namespace ztm::identity
