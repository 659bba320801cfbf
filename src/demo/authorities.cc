// The demo's identity authorities as real processes (ztm/demo/authorities.h).
#include "ztm/demo/authorities.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "ztm/http/client.h"

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
  // 5. A CA the meeting service runs for itself, which no client trusts: the demo's
  //    service uses it to try to slip a listener of its own into the meeting.
  auto provider_ca = [&](const std::filesystem::path& dir, const std::string& name,
                         const std::filesystem::path& key_file, const std::string& what,
                         std::string& url) -> Result<void> {
    ZTM_TRY(write_file(key_file, random_secret(), true));
    const auto port = free_port();
    const auto log = work / (dir.filename().string() + ".log");
    ZTM_TRY_ASSIGN(Process p, Process::spawn({options.ztmeet,
                                              {"ca",
                                               "serve",
                                               "--data-dir",
                                               dir.string(),
                                               "--name",
                                               name,
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
                                               key_file.string(),
                                               "--provider-issuer",
                                               kProviderIssuer},
                                              {},
                                              log,
                                              false,
                                              false}));
    a->processes_.push_back(std::move(p));
    url = "https://127.0.0.1:" + std::to_string(port) + "/acme/directory";
    return wait_until_up(a->processes_.back(), url, a->tls_.ca_cert.string(), what, log);
  };
  a->provider_key_file_ = work / "provider-token-key";
  ZTM_TRY(provider_ca(a->provider_dir_, "ztmeet Provider CA", a->provider_key_file_,
                      "the provider CA (ztmeet ca serve --provider)", a->provider_url_));
  say("provider CA (provider-01, authenticates but never verifies) at " + a->provider_url_);
  a->rogue_dir_ = work / "service-own-ca";
  std::filesystem::create_directories(a->rogue_dir_);
  a->rogue_key_file_ = work / "service-own-token-key";
  ZTM_TRY(provider_ca(a->rogue_dir_, "Meeting Service Recorder CA", a->rogue_key_file_,
                      "the service's own CA", a->rogue_url_));
  say("the meeting service's own CA (trusted by no client) at " + a->rogue_url_);
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

// run_enroll runs `ztmeet enroll ARGS` as its own process, as a user would, and
// waits for it (enrollments take well under a second on loopback).
Result<void> run_enroll(const std::string& ztmeet, std::vector<std::string> args,
                        const std::filesystem::path& log) {
  args.insert(args.begin(), "enroll");
  ZTM_TRY_ASSIGN(Process p, Process::spawn({ztmeet, args, {}, log, false, false}));
  auto status = p.wait(std::chrono::milliseconds(90'000));
  if (!status) {
    p.stop();
    return fail(Errc::timeout, "ztmeet enroll did not finish (see " + log.string() + ")");
  }
  if (*status != 0) {
    return fail(Errc::io_error, "ztmeet enroll failed with status " + std::to_string(*status) +
                                    " (see " + log.string() + ")");
  }
  return ok();
}

}  // namespace

Result<void> DemoAuthorities::enroll_sso(const std::string& email,
                                         const std::filesystem::path& out_dir) {
  // The demo plays the user's browser at the IdP (--sso-test-browser); the IdP's
  // development login accepts any password.
  const auto password = options_.work_dir / "sso-password";
  ZTM_TRY(write_file(password, "demo-password", true));
  return run_enroll(options_.ztmeet,
                    {"--server", org_url_, "--ca-bundle", tls_.ca_cert.string(), "--email", email,
                     "--challenge", "sso-01", "--sso-test-browser", "--sso-login", email,
                     "--sso-password-file", password.string(), "--out", out_dir.string()},
                    options_.work_dir / ("enroll-" + email + ".log"));
}

Result<void> DemoAuthorities::enroll_device(const std::string& dns_name,
                                            const std::filesystem::path& out_dir) {
  return run_enroll(options_.ztmeet,
                    {"--server", org_url_, "--ca-bundle", tls_.ca_cert.string(), "--domain",
                     dns_name, "--challenge", "http-01", "--http-address", "127.0.0.1",
                     "--http-port", std::to_string(http01_port_), "--out", out_dir.string()},
                    options_.work_dir / ("enroll-" + dns_name + ".log"));
}

Result<void> DemoAuthorities::enroll_service_listener(const std::string& email,
                                                      const std::filesystem::path& out_dir) {
  const std::string token_command =
      "'" + options_.ztmeet + "' ca provider-token --provider-key-file '" +
      rogue_key_file_.string() + "' --provider-issuer " + kProviderIssuer;
  return run_enroll(options_.ztmeet,
                    {"--server", rogue_url_, "--ca-bundle", tls_.ca_cert.string(), "--email", email,
                     "--challenge", "provider-01", "--provider-token-command", token_command,
                     "--out", out_dir.string()},
                    options_.work_dir / ("enroll-" + email + ".log"));
}

Result<void> DemoAuthorities::enroll_guest(const std::string& email,
                                           const std::filesystem::path& out_dir) {
  // The meeting provider's account service mints the provider-01 token; here
  // `ztmeet ca provider-token` with the key shared with the provider CA stands in.
  const std::string token_command =
      "'" + options_.ztmeet + "' ca provider-token --provider-key-file '" +
      provider_key_file_.string() + "' --provider-issuer " + kProviderIssuer;
  return run_enroll(options_.ztmeet,
                    {"--server", provider_url_, "--ca-bundle", tls_.ca_cert.string(), "--email",
                     email, "--challenge", "provider-01", "--provider-token-command", token_command,
                     "--out", out_dir.string()},
                    options_.work_dir / ("enroll-" + email + ".log"));
}

}  // namespace ztm::demo
