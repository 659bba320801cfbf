// The `ztmeet` binary end to end, as the demo runs it: `ztmeet ca serve` (an
// organization CA with sso-01 against the real oidc-provider IdP, and http-01 /
// dns-01 with pebble-challtestsrv as its DNS server; a provider CA with provider-01),
// `ztmeet enroll` for SSO users, a device and a provider-authenticated guest, and
// `ztmeet identity verify` on what was stored. Every peer is a real process on
// loopback started here.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "internal/c_acme_interop_env.h"
#include "ztm/identity/enrollment.h"
#include "ztm/identity/sso_test_browser.h"

namespace ztm::identity {
namespace {

using testing::ChallTestSrv;
using testing::sh_quote;

const std::string kZtmeet = ZTMEET_BINARY;
const std::string kOrganization = "Example Corp";

// wait_until_serving polls url until it answers, or fails the test with the log.
void wait_until_serving(const std::string& url, const http::ClientOptions& options,
                        const std::filesystem::path& log) {
  for (int i = 0; i < 200; ++i) {
    auto r = http::request("GET", url, {}, "", options);
    if (r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL() << url << " never answered:\n" << ztm_test::read_text(log);
}

void write_file(const std::filesystem::path& file, const std::string& text, int mode = 0600) {
  std::ofstream(file) << text;
  ::chmod(file.c_str(), static_cast<mode_t>(mode));
}

// ZtmeetCa is one `ztmeet ca serve` process with its data directory.
struct ZtmeetCa {
  std::filesystem::path data_dir;
  std::uint16_t acme_port = ztm_test::free_port();
  std::uint16_t crl_port = ztm_test::free_port();
  std::filesystem::path log;
  std::unique_ptr<ztm_test::ChildProcess> process;

  std::string directory_url() const {
    return "https://127.0.0.1:" + std::to_string(acme_port) + "/acme/directory";
  }
  std::string ca_pem() const { return (data_dir / "ca.pem").string(); }

  void start(const ztm_test::TestPki& pki, std::vector<std::string> extra) {
    std::vector<std::string> args{"ca",
                                  "serve",
                                  "--data-dir",
                                  data_dir.string(),
                                  "--listen",
                                  "127.0.0.1:" + std::to_string(acme_port),
                                  "--crl-listen",
                                  "127.0.0.1:" + std::to_string(crl_port),
                                  "--tls-cert",
                                  pki.leaf_cert.string(),
                                  "--tls-key",
                                  pki.leaf_key.string(),
                                  "--cert-lifetime",
                                  "1h"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = std::make_unique<ztm_test::ChildProcess>(kZtmeet, args,
                                                       std::map<std::string, std::string>{}, log);
    http::ClientOptions options;
    options.ca_bundle_file = pki.ca_cert.string();
    wait_until_serving(directory_url(), options, log);
  }
};

class ZtmeetEnrollCli : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = ztm_test::make_test_pki(work_.path());
    dns_ = std::make_unique<ChallTestSrv>(work_.path());
    http01_port_ = ztm_test::free_port();
  }

  // start_idp runs the oidc-provider IdP (node) for alice and bob, registered with
  // the organization CA's callback.
  void start_idp() {
    const std::uint16_t idp_port = ztm_test::free_port();
    issuer_ = "http://127.0.0.1:" + std::to_string(idp_port);
    idp_log_ = work_.path() / "oidc-provider.log";
    idp_ = std::make_unique<ztm_test::ChildProcess>(
        "node",
        std::vector<std::string>{
            std::string(ZTM_SOURCE_DIR) + "/test_tools/peers/oidc_provider.mjs", "--port",
            std::to_string(idp_port), "--issuer", issuer_, "--client-id", "org-ca",
            "--client-secret", "org-ca-secret", "--redirect-uri",
            "https://127.0.0.1:" + std::to_string(org_.acme_port) + "/sso/callback", "--user",
            "alice@example.test", "--user", "bob@example.test", "--user", "carol@example.test"},
        std::map<std::string, std::string>{}, idp_log_);
    wait_until_serving(issuer_ + "/.well-known/openid-configuration", {}, idp_log_);
  }

  // start_org_ca runs the organization CA: sso-01 for example.test users through the
  // IdP, http-01/dns-01 for example.test devices (names resolved by challtestsrv).
  void start_org_ca() {
    org_.data_dir = work_.path() / "org-ca";
    org_.log = work_.path() / "org-ca.log";
    start_idp();
    const auto secret = work_.path() / "oidc-client-secret";
    write_file(secret, "org-ca-secret\n");
    org_.start(pki_, {"--organization", kOrganization, "--permit-domain", "example.test",
                      "--email-domain", "example.test", "--dns-domain", "example.test",
                      "--http01-port", std::to_string(http01_port_), "--dns-resolver",
                      dns_->resolver(), "--oidc-issuer", issuer_, "--oidc-client-id", "org-ca",
                      "--oidc-client-secret-file", secret.string()});
  }

  // enroll runs `ztmeet enroll` with args; returns the exit status, output in *output.
  int enroll(const ZtmeetCa& ca, const std::string& out, const std::string& args,
             std::string* output) const {
    const auto log = work_.path() / "enroll.log";
    const int status = testing::run_logged(
        sh_quote(kZtmeet) + " enroll --server " + sh_quote(ca.directory_url()) + " --ca-bundle " +
            sh_quote(pki_.ca_cert.string()) + " --out " + sh_quote(out) + " " + args,
        log);
    *output = ztm_test::read_text(log);
    return status;
  }

  // verify runs `ztmeet identity verify` on an enrolled directory against the
  // organization anchor (and the provider anchor when given).
  int verify(const std::string& dir, std::string* output, const std::string& provider_pem = "") {
    const auto log = work_.path() / "verify.log";
    std::string command = sh_quote(kZtmeet) + " identity verify --chain " +
                          sh_quote(dir + "/chain.pem") + " --key-file " +
                          sh_quote(dir + "/signature-key.pem") + " --anchor " +
                          sh_quote("org:" + kOrganization + ":example.test:" + org_.ca_pem());
    if (!provider_pem.empty()) command += " --anchor " + sh_quote("provider:" + provider_pem);
    const int status = testing::run_logged(command, log);
    *output = ztm_test::read_text(log);
    return status;
  }

  // enroll_and_verify enrolls into dir and checks that `ztmeet identity verify`
  // accepts the result and shows the participant-list line `shown`. Returns what
  // enroll printed.
  std::string enroll_and_verify(const ZtmeetCa& ca, const std::string& dir, const std::string& args,
                                const std::string& shown, const std::string& provider_pem = "") {
    std::string printed;
    std::string output;
    EXPECT_EQ(enroll(ca, dir, args, &printed), 0) << printed << ztm_test::read_text(ca.log);
    EXPECT_EQ(verify(dir, &output, provider_pem), 0) << output;
    EXPECT_NE(output.find(shown), std::string::npos) << output;
    EXPECT_EQ(output.find("note: no --key"), std::string::npos) << output;
    return printed;
  }

  ztm_test::TempDir work_{"ztm-enroll-cli"};
  ztm_test::TestPki pki_;
  std::unique_ptr<ChallTestSrv> dns_;
  std::uint16_t http01_port_ = 0;
  std::string issuer_;
  std::filesystem::path idp_log_;
  std::unique_ptr<ztm_test::ChildProcess> idp_;
  ZtmeetCa org_;
};

TEST_F(ZtmeetEnrollCli, OidcSsoTestBrowserEnrollsVerifiedUsers) {
  start_org_ca();
  for (const std::string user : {"alice", "bob"}) {
    const std::string email = user + "@example.test";
    const std::string dir = (work_.path() / user).string();
    const std::string output =
        enroll_and_verify(org_, dir, "--email " + email + " --sso --sso-test-browser",
                          "verified: " + email + " (" + kOrganization + ")");
    EXPECT_NE(output.find("TEST MODE"), std::string::npos) << output;
    EXPECT_NE(output.find("authorization valid for " + email), std::string::npos) << output;
    EXPECT_EQ(output.find("PRIVATE KEY"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat((dir + "/signature-key.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
}

TEST_F(ZtmeetEnrollCli, OidcSsoInteractivePrintsUrlAndWaitsForTheBrowser) {
  start_org_ca();
  const std::string dir = (work_.path() / "carol").string();
  std::string output;
  // The person's browser is played by the test: it reads the address `ztmeet enroll`
  // prints and signs in while the command waits.
  auto running = std::async(std::launch::async, [&] {
    return enroll(org_, dir, "--email carol@example.test --sso --sso-timeout 60", &output);
  });
  const auto log = work_.path() / "enroll.log";
  std::smatch url;
  std::string printed;
  for (int i = 0; i < 300; ++i) {
    printed = ztm_test::read_text(log);
    if (std::regex_search(printed, url, std::regex("(https://\\S+/sso/\\S+)"))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(url.empty()) << printed;
  EXPECT_NE(printed.find("sign in as carol@example.test"), std::string::npos) << printed;
  SsoTestBrowserOptions options;
  options.http.ca_bundle_file = pki_.ca_cert.string();
  auto page =
      sso_test_sign_in(url[1].str(), {"carol@example.test", SecretBytes(as_bytes("pw"))}, options);
  ASSERT_TRUE(page.has_value()) << page.error().what();
  EXPECT_EQ(page->status, 200) << page->body;
  ASSERT_EQ(running.get(), 0) << output;
  ASSERT_EQ(verify(dir, &output), 0) << output;
  EXPECT_NE(output.find("verified: carol@example.test (" + kOrganization + ")"), std::string::npos)
      << output;
}

TEST_F(ZtmeetEnrollCli, OidcSsoInteractiveGivesUpAfterTheTimeout) {
  start_org_ca();
  const std::string dir = (work_.path() / "nobody").string();
  std::string output;
  EXPECT_EQ(enroll(org_, dir, "--email alice@example.test --sso --sso-timeout 2", &output), 1);
  EXPECT_NE(output.find("Open this address in your browser"), std::string::npos) << output;
  EXPECT_NE(
      output.find("error: timeout: sso-01: nobody signed in as alice@example.test within 2 s"),
      std::string::npos)
      << output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/chain.pem"));
}

TEST_F(ZtmeetEnrollCli, OidcSsoAsAnotherUserIsRefusedWithProblemDocument) {
  start_org_ca();
  const std::string dir = (work_.path() / "mallory").string();
  std::string output;
  EXPECT_EQ(enroll(org_, dir,
                   "--email alice@example.test --sso --sso-test-browser --sso-login "
                   "bob@example.test",
                   &output),
            1);
  // The authorization's problem document (RFC 8555 §6.7) reaches the user.
  EXPECT_NE(output.find("authorization invalid (sso-01)"), std::string::npos) << output;
  EXPECT_NE(output.find("acme unauthorized"), std::string::npos) << output;
  EXPECT_NE(output.find("vouched for bob@example.test, not alice@example.test"), std::string::npos)
      << output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/chain.pem"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/signature-key.pem"));
}

TEST_F(ZtmeetEnrollCli, ChalltestsrvDeviceOverHttp01AndDns01IsVerified) {
  start_org_ca();
  enroll_and_verify(org_, (work_.path() / "room-1").string(),
                    "--domain room-1.example.test --challenge http-01 --http-address 127.0.0.1 "
                    "--http-port " +
                        std::to_string(http01_port_),
                    "verified: room-1.example.test (" + kOrganization + ")");

  // dns-01 through a hook that writes the TXT record into challtestsrv.
  const auto hook = work_.path() / "dns-hook.sh";
  write_file(
      hook,
      "#!/bin/sh\nset -e\ncase \"$1\" in\n"
      "  present) curl -sf -X POST -d \"{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}\" " +
          dns_->mgmt_url() +
          "/set-txt ;;\n"
          "  cleanup) curl -sf -X POST -d \"{\\\"host\\\":\\\"$2\\\"}\" " +
          dns_->mgmt_url() + "/clear-txt ;;\nesac\n",
      0700);
  enroll_and_verify(
      org_, (work_.path() / "room-2").string(),
      "--domain room-2.example.test --challenge dns-01 --dns-hook " + sh_quote(hook.string()),
      "verified: room-2.example.test (" + kOrganization + ")");
}

TEST_F(ZtmeetEnrollCli, ProviderGuestIsProviderAuthenticatedNotVerified) {
  start_org_ca();
  ZtmeetCa provider;
  provider.data_dir = work_.path() / "provider-ca";
  provider.log = work_.path() / "provider-ca.log";
  const auto key = work_.path() / "provider-key";
  write_file(key, "0123456789abcdef0123456789abcdef-demo-shared-key\n");
  const std::string issuer = "https://meet.example.test";
  provider.start(pki_, {"--name", "Meeting provider CA", "--provider", "--provider-key-file",
                        key.string(), "--provider-issuer", issuer});

  const std::string dir = (work_.path() / "guest").string();
  const std::string token_command = sh_quote(kZtmeet) + " ca provider-token --provider-key-file " +
                                    sh_quote(key.string()) + " --provider-issuer " + issuer;
  std::string output;
  ASSERT_EQ(enroll(provider, dir,
                   "--email guest@mail.test --challenge provider-01 --provider-token-command " +
                       sh_quote(token_command),
                   &output),
            0)
      << output << ztm_test::read_text(provider.log);
  // Exit status 0 (accepted), but only provider-authenticated, even with the
  // organization anchor present.
  ASSERT_EQ(verify(dir, &output, provider.ca_pem()), 0) << output;
  EXPECT_NE(output.find("provider-authenticated: guest@mail.test"), std::string::npos) << output;
  EXPECT_EQ(output.find("verified:"), std::string::npos) << output;

  // A token under another issuer is refused by the CA with a problem document.
  const std::string bad_command = sh_quote(kZtmeet) + " ca provider-token --provider-key-file " +
                                  sh_quote(key.string()) + " --provider-issuer https://evil.test";
  EXPECT_EQ(enroll(provider, (work_.path() / "guest2").string(),
                   "--email guest2@mail.test --challenge provider-01 --provider-token-command " +
                       sh_quote(bad_command),
                   &output),
            1);
  EXPECT_NE(output.find("authorization invalid (provider-01)"), std::string::npos) << output;
}

}  // namespace
}  // namespace ztm::identity
