// The demo's identity authorities as real processes (ztm/demo/authorities.h).
#include "ztm/demo/authorities.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "ztm/http/client.h"
#include "ztm/identity/enrollment.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/sso_challenge.h"
#include "ztm/identity/sso_test_browser.h"

namespace ztm::demo {
namespace {

constexpr char kOidcClientId[] = "ztmeet-org-ca";
constexpr char kProviderIssuer[] = "ztmeet-provider";

Result<void> write_file(const std::filesystem::path& path, const std::string& text, bool secret) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(Errc::io_error, "cannot write " + path.string());
  out << text;
  out.close();
  if (secret) ::chmod(path.c_str(), 0600);
  return ok();
}

// wait_for_https polls url until it answers 200 (the process is up) or the process died.
Result<void> wait_until_up(Process& process, const std::string& url, const std::string& ca_bundle,
                           const std::string& what, const std::filesystem::path& log) {
  http::ClientOptions o;
  o.ca_bundle_file = ca_bundle;
  o.timeout = std::chrono::milliseconds(2000);
  for (int i = 0; i < 300; ++i) {
    if (!process.running()) {
      return fail(Errc::io_error, what + " exited at start (see " + log.string() + ")");
    }
    auto r = http::request("GET", url, {}, "", o);
    if (r && r->status == 200) return ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fail(Errc::timeout, what + " did not come up (see " + log.string() + ")");
}

std::string random_secret() {
  // 32 random bytes as hex, from the OS; only shared between the demo's processes.
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char b[32] = {};
  in.read(reinterpret_cast<char*>(b), sizeof b);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

}  // namespace

Result<TlsFiles> make_tls_files(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  ZTM_TRY(write_file(dir / "leaf.ext",
                     "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
                     false));
  const std::string script =
      "cd '" + dir.string() +
      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
      " -subj /CN=ztmeet-demo-tls-ca -keyout tls-ca.key -out tls-ca.pem"
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
      " >/dev/null 2>&1"
      " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost"
      " -keyout tls-leaf.key -out tls-leaf.csr >/dev/null 2>&1"
      " && openssl x509 -req -in tls-leaf.csr -CA tls-ca.pem -CAkey tls-ca.key -CAcreateserial"
      " -days 2 -extfile leaf.ext -out tls-leaf.only.pem >/dev/null 2>&1"
      " && cat tls-leaf.only.pem tls-ca.pem > tls-leaf.pem && chmod 600 tls-leaf.key tls-ca.key";
  if (std::system(script.c_str()) != 0) {
    return fail(Errc::io_error, "the openssl command line failed to make the TLS certificates");
  }
  return TlsFiles{dir / "tls-ca.pem", dir / "tls-leaf.pem", dir / "tls-leaf.key"};
}

Result<std::unique_ptr<DemoAuthorities>> DemoAuthorities::start(const AuthoritiesOptions& options) {
  std::unique_ptr<DemoAuthorities> a(new DemoAuthorities());
  a->options_ = options;
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  const auto& work = options.work_dir;
  std::filesystem::create_directories(work);
  ZTM_TRY_ASSIGN(a->tls_, make_tls_files(work / "tls"));
  a->org_dir_ = work / "org-ca";
  a->provider_dir_ = work / "provider-ca";
  std::filesystem::create_directories(a->org_dir_);
  std::filesystem::create_directories(a->provider_dir_);

  // 1. The organization's identity provider (OIDC).
  const auto idp_port = free_port();
  const auto org_port = free_port();
  const std::string issuer = "http://127.0.0.1:" + std::to_string(idp_port);
  const std::string client_secret = random_secret();
  {
    std::vector<std::string> args{
        (options.source_dir / "test_tools/peers/oidc_provider.mjs").string(),
        "--port",
        std::to_string(idp_port),
        "--issuer",
        issuer,
        "--client-id",
        kOidcClientId,
        "--client-secret",
        client_secret,
        "--redirect-uri",
        "https://127.0.0.1:" + std::to_string(org_port) + "/sso/callback",
        "--es256"};
    for (const auto& u : options.sso_users) {
      args.push_back("--user");
      args.push_back(u);
    }
    const auto log = work / "idp.log";
    ZTM_TRY_ASSIGN(Process p, Process::spawn({"node", args, {}, log, false, false}));
    a->processes_.push_back(std::move(p));
    ZTM_TRY(wait_until_up(a->processes_.back(), issuer + "/.well-known/openid-configuration", "",
                          "the OIDC provider (node)", log));
    say("identity provider (OIDC, npm oidc-provider) at " + issuer);
  }

  // 2. DNS for device names: every A query answers 127.0.0.1.
  const auto dns_port = free_port();
  {
    const auto mgmt_port = free_port();
    const auto log = work / "dns.log";
    ZTM_TRY_ASSIGN(
        Process p,
        Process::spawn({"pebble-challtestsrv",
                        {"-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01",
                         "127.0.0.1:" + std::to_string(dns_port), "-http01", "", "-https01", "",
                         "-tlsalpn01", "", "-management", "127.0.0.1:" + std::to_string(mgmt_port)},
                        {},
                        log,
                        false,
                        false}));
    a->processes_.push_back(std::move(p));
  }

  // 3. The organization's CA: sso-01 for its users' emails, http-01 for its devices.
  a->http01_port_ = free_port();
  {
    ZTM_TRY(write_file(work / "oidc-client-secret", client_secret, true));
    const auto log = work / "org-ca.log";
    ZTM_TRY_ASSIGN(Process p, Process::spawn({options.ztmeet,
                                              {"ca",
                                               "serve",
                                               "--data-dir",
                                               a->org_dir_.string(),
                                               "--name",
                                               options.organization + " Identity CA",
                                               "--organization",
                                               options.organization,
                                               "--listen",
                                               "127.0.0.1:" + std::to_string(org_port),
                                               "--tls-cert",
                                               a->tls_.leaf_cert.string(),
                                               "--tls-key",
                                               a->tls_.leaf_key.string(),
                                               "--crl-listen",
                                               "127.0.0.1:" + std::to_string(free_port()),
                                               "--http01-port",
                                               std::to_string(a->http01_port_),
                                               "--dns-resolver",
                                               "127.0.0.1:" + std::to_string(dns_port),
                                               "--cert-lifetime",
                                               "24h",
                                               "--dns-domain",
                                               options.org_domain,
                                               "--email-domain",
                                               options.org_domain,
                                               "--oidc-issuer",
                                               issuer,
                                               "--oidc-client-id",
                                               kOidcClientId,
                                               "--oidc-client-secret-file",
                                               (work / "oidc-client-secret").string()},
                                              {},
                                              log,
                                              false,
                                              false}));
    a->processes_.push_back(std::move(p));
    a->org_url_ = "https://127.0.0.1:" + std::to_string(org_port) + "/acme/directory";
    ZTM_TRY(wait_until_up(a->processes_.back(), a->org_url_, a->tls_.ca_cert.string(),
                          "the organization CA (ztmeet ca serve)", log));
    say("organization CA (" + options.organization + ", sso-01 + http-01) at " + a->org_url_);
  }

  // 4. The provider's CA: provider-01, for anyone with an account at the provider.
  {
    a->provider_key_file_ = work / "provider-token-key";
    ZTM_TRY(write_file(a->provider_key_file_, random_secret(), true));
    const auto port = free_port();
    const auto log = work / "provider-ca.log";
    ZTM_TRY_ASSIGN(Process p, Process::spawn({options.ztmeet,
                                              {"ca",
                                               "serve",
                                               "--data-dir",
                                               a->provider_dir_.string(),
                                               "--name",
                                               "ztmeet Provider CA",
                                               "--listen",
                                               "127.0.0.1:" + std::to_string(port),
                                               "--tls-cert",
                                               a->tls_.leaf_cert.string(),
                                               "--tls-key",
                                               a->tls_.leaf_key.string(),
                                               "--crl-listen",
                                               "127.0.0.1:" + std::to_string(free_port()),
                                               "--cert-lifetime",
                                               "24h",
                                               "--provider",
                                               "--provider-key-file",
                                               a->provider_key_file_.string(),
                                               "--provider-issuer",
                                               kProviderIssuer},
                                              {},
                                              log,
                                              false,
                                              false}));
    a->processes_.push_back(std::move(p));
    a->provider_url_ = "https://127.0.0.1:" + std::to_string(port) + "/acme/directory";
    ZTM_TRY(wait_until_up(a->processes_.back(), a->provider_url_, a->tls_.ca_cert.string(),
                          "the provider CA (ztmeet ca serve --provider)", log));
    say("provider CA (provider-01, authenticates but never verifies) at " + a->provider_url_);
  }
  return a;
}

DemoAuthorities::~DemoAuthorities() {
  stop();
}

void DemoAuthorities::stop() {
  while (!processes_.empty()) {
    processes_.back().stop();
    processes_.pop_back();
  }
}

std::vector<std::string> DemoAuthorities::anchors() const {
  return {"org:" + options_.organization + ":" + options_.org_domain + ":" + org_ca_pem().string(),
          "provider:" + provider_ca_pem().string()};
}

namespace {

identity::EnrollmentOptions base_options(const std::string& directory,
                                         const std::string& ca_bundle) {
  identity::EnrollmentOptions o;
  o.acme.directory_url = directory;
  o.acme.http.ca_bundle_file = ca_bundle;
  o.acme.http.timeout = std::chrono::seconds(20);
  o.acme.default_poll_interval = std::chrono::milliseconds(100);
  o.acme.max_poll_interval = std::chrono::milliseconds(500);
  o.acme.poll_timeout = std::chrono::seconds(30);
  o.sso_timeout = std::chrono::seconds(30);
  o.signature_scheme = crypto::SignatureScheme::ed25519;  // cipher suite 1
  return o;
}

Result<void> run_enrollment(const identity::EnrollmentOptions& o,
                            const std::filesystem::path& out) {
  ZTM_TRY_ASSIGN(auto enrollment, identity::enroll(o));
  return identity::save_enrollment(enrollment, out);
}

}  // namespace

Result<void> DemoAuthorities::enroll_sso(const std::string& email,
                                         const std::filesystem::path& out_dir) {
  auto o = base_options(org_url_, tls_.ca_cert.string());
  o.identifiers = {{"email", email}};
  o.contact = {"mailto:" + email};
  o.challenge_type = "sso-01";
  identity::SsoTestBrowserOptions browser;
  browser.http.ca_bundle_file = tls_.ca_cert.string();
  browser.http.timeout = std::chrono::seconds(10);
  o.sso_sign_in =
      identity::sso_test_browser({email, SecretBytes(as_bytes("demo-password"))}, browser);
  return run_enrollment(o, out_dir);
}

Result<void> DemoAuthorities::enroll_device(const std::string& dns_name,
                                            const std::filesystem::path& out_dir) {
  auto o = base_options(org_url_, tls_.ca_cert.string());
  o.identifiers = {{"dns", dns_name}};
  o.challenge_type = "http-01";
  o.http01 = {"127.0.0.1", http01_port_};
  return run_enrollment(o, out_dir);
}

Result<void> DemoAuthorities::enroll_guest(const std::string& email,
                                           const std::filesystem::path& out_dir) {
  auto o = base_options(provider_url_, tls_.ca_cert.string());
  o.identifiers = {{"email", email}};
  o.contact = {"mailto:" + email};
  o.challenge_type = "provider-01";
  std::ifstream in(provider_key_file_);
  std::string key_text;
  std::getline(in, key_text);
  SecretBytes key(as_bytes(key_text));
  o.provider_token = [key](const identity::AcmeIdentifier& id,
                           const std::string& thumbprint) -> Result<std::string> {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return identity::make_provider_token({kProviderIssuer, id.value, thumbprint, now, now + 300},
                                         key);
  };
  return run_enrollment(o, out_dir);
}

}  // namespace ztm::demo
