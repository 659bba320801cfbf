// sso-01 end to end against a real OpenID Connect provider (npm oidc-provider 9.x,
// started with node test_tools/peers/oidc_provider.mjs): ztmeet's ACME client
// orders a certificate for alice@example.test, and this test plays the user's
// browser with a cookie jar — it opens the challenge's sso_url, follows the
// redirects to the IdP, signs in and consents on its development pages, and follows
// the redirect back to the ACME server's callback. Signing in as someone else
// (bob) makes the challenge invalid and issues nothing.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "internal/c_acme_test_env.h"
#include "internal/c_form.h"
#include "ztm/identity/acme_client.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/sso_challenge.h"

namespace ztm::identity {
namespace {

using testing::AcmeTestEnv;

// Browser is just enough of a user agent: per-origin cookies (paths ignored: every
// cookie of an origin is sent to it), redirects followed by hand, and form posts.
class Browser {
 public:
  explicit Browser(http::ClientOptions options) : options_(std::move(options)) {}

  // get follows redirects from url until a non-redirect answer or a URL that
  // starts with stop_prefix (returned in final_url without being fetched).
  http::Response get(std::string url, const std::string& stop_prefix = "") {
    for (int hops = 0; hops < 20; ++hops) {
      if (!stop_prefix.empty() && url.rfind(stop_prefix, 0) == 0) {
        final_url = url;
        return {};
      }
      auto r = send("GET", url, "");
      auto location = r.headers.get("Location");
      if (r.status / 100 != 3 || !location) {
        final_url = url;
        return r;
      }
      url = resolve(url, *location);
    }
    throw std::runtime_error("too many redirects");
  }

  // submit posts the page's form (action and hidden "prompt") with extra fields,
  // then follows the redirects like get.
  http::Response submit(const std::string& page_url, const std::string& page,
                        std::vector<std::pair<std::string, std::string>> fields,
                        const std::string& stop_prefix) {
    std::smatch m;
    if (!std::regex_search(page, m, std::regex("action=\"([^\"]+)\""))) {
      throw std::runtime_error("no form on page: " + page);
    }
    std::smatch p;
    if (std::regex_search(page, p, std::regex("name=\"prompt\" value=\"([a-z]+)\""))) {
      fields.insert(fields.begin(), {"prompt", p[1]});
    }
    std::string action = resolve(page_url, m[1]);
    auto r = send("POST", action, internal::form_encode(fields));
    auto location = r.headers.get("Location");
    if (r.status / 100 != 3 || !location) return r;
    return get(resolve(action, *location), stop_prefix);
  }

  std::string final_url;

 private:
  static std::string origin(const std::string& url) {
    auto u = http::parse_url(url).value();
    return u.scheme + "://" + u.host + ":" + std::to_string(u.port);
  }

  static std::string resolve(const std::string& base, const std::string& location) {
    if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return location;
    return origin(base) + location;
  }

  http::Response send(const std::string& method, const std::string& url, const std::string& body) {
    http::Headers headers;
    std::string cookie_header;
    for (const auto& [name, value] : jar_[origin(url)]) {
      cookie_header += (cookie_header.empty() ? "" : "; ") + name + "=" + value;
    }
    if (!cookie_header.empty()) headers.set("Cookie", cookie_header);
    if (method == "POST") headers.set("Content-Type", "application/x-www-form-urlencoded");
    auto r = http::request(method, url, headers, body, options_);
    if (!r) throw std::runtime_error(method + " " + url + ": " + r.error().what());
    for (const auto& set : r->headers.get_all("Set-Cookie")) {
      std::string pair = set.substr(0, set.find(';'));
      auto eq = pair.find('=');
      if (eq == std::string::npos) continue;
      std::string name = pair.substr(0, eq);
      std::string value = pair.substr(eq + 1);
      bool expired = set.find("expires=Thu, 01 Jan 1970") != std::string::npos || value.empty();
      if (expired) {
        jar_[origin(url)].erase(name);
      } else {
        jar_[origin(url)][name] = value;
      }
    }
    return *r;
  }

  http::ClientOptions options_;
  std::map<std::string, std::map<std::string, std::string>> jar_;
};

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

  // sign_in plays the browser from sso_url to the ACME callback, logging in as
  // login; returns the callback's answer.
  http::Response sign_in(const std::string& sso_url, const std::string& login) {
    Browser browser(env_->client_options());
    const std::string callback = env_->base_url() + "/sso/callback";
    auto page = browser.get(sso_url, callback);
    EXPECT_EQ(browser.final_url.rfind(issuer_ + "/interaction/", 0), 0u) << browser.final_url;
    EXPECT_NE(page.body.find("name=\"prompt\" value=\"login\""), std::string::npos) << page.body;
    page = browser.submit(browser.final_url, page.body, {{"login", login}, {"password", "x"}},
                          callback);
    if (browser.final_url.rfind(callback, 0) != 0) {
      // The consent page (scopes openid email) comes next.
      EXPECT_NE(page.body.find("value=\"consent\""), std::string::npos) << page.body;
      page = browser.submit(browser.final_url, page.body, {}, callback);
    }
    EXPECT_EQ(browser.final_url.rfind(callback + "?", 0), 0u) << browser.final_url;
    return browser.get(browser.final_url);
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
