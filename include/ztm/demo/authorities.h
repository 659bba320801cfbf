// DemoAuthorities: everything a meeting's participants need before they can join,
// run as real processes on loopback — the organization's OIDC identity provider
// (npm oidc-provider, test_tools/peers), the organization's ACME CA with SSO
// (`ztmeet ca serve --oidc-*`), the provider's ACME CA (`ztmeet ca serve --provider`),
// a DNS server for device names (pebble-challtestsrv answers every name with
// 127.0.0.1), and a throwaway TLS PKI for every HTTPS/WSS listener. Enrollments then
// run ztmeet's real ACME client against them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/demo/process.h"

namespace ztm::demo {

struct AuthoritiesOptions {
  std::filesystem::path work_dir;          // created if missing; everything goes inside
  std::string ztmeet;                      // the ztmeet binary
  std::filesystem::path source_dir = ".";  // repository root (for test_tools/peers)
  std::string organization = "Example Corp";
  std::string org_domain = "example.test";
  std::vector<std::string> sso_users = {"alice@example.test", "bob@example.test",
                                        "carol@example.test"};
  std::function<void(const std::string&)> progress;  // one line per step, may be empty
};

// TlsFiles: a throwaway CA (for clients' trust) and a leaf for 127.0.0.1/localhost.
struct TlsFiles {
  std::filesystem::path ca_cert;
  std::filesystem::path leaf_cert;
  std::filesystem::path leaf_key;
};

// make_tls_files writes them into dir with the openssl command line.
Result<TlsFiles> make_tls_files(const std::filesystem::path& dir);

class DemoAuthorities {
 public:
  // start launches the IdP, the DNS server and both CAs, and waits until each answers.
  static Result<std::unique_ptr<DemoAuthorities>> start(const AuthoritiesOptions& options);
  ~DemoAuthorities();

  const TlsFiles& tls() const { return tls_; }
  // anchors are the --anchor values a client gives to trust both CAs: the
  // organization for its domain, and the provider.
  std::vector<std::string> anchors() const;
  std::filesystem::path org_ca_pem() const { return org_dir_ / "ca.pem"; }
  std::filesystem::path provider_ca_pem() const { return provider_dir_ / "ca.pem"; }
  const std::string& org_directory_url() const { return org_url_; }
  const std::string& provider_directory_url() const { return provider_url_; }

  // Each enrollment runs `ztmeet enroll` as its own process, which writes
  // signature-key.pem, chain.pem and account-key.pem into out_dir.
  // enroll_sso: an email identity at the organization's CA, proven by signing in at
  // the IdP (sso-01; --sso-test-browser plays the user's browser).
  Result<void> enroll_sso(const std::string& email, const std::filesystem::path& out_dir);
  // enroll_device: a device name at the organization's CA, proven with http-01.
  Result<void> enroll_device(const std::string& dns_name, const std::filesystem::path& out_dir);
  // enroll_guest: an email at the provider's CA, proven with a provider-01 token the
  // meeting provider's account service mints (here `ztmeet ca provider-token`).
  Result<void> enroll_guest(const std::string& email, const std::filesystem::path& out_dir);

  // enroll_service_listener: an identity from the meeting service's own CA, which no
  // client trusts (service_ca_pem() is for the listener's own --anchor only).
  Result<void> enroll_service_listener(const std::string& email,
                                       const std::filesystem::path& out_dir);
  std::filesystem::path service_ca_pem() const { return rogue_dir_ / "ca.pem"; }

  // stop ends every process (also done by the destructor).
  void stop();

 private:
  DemoAuthorities() = default;
  AuthoritiesOptions options_;
  TlsFiles tls_;
  std::filesystem::path org_dir_;
  std::filesystem::path provider_dir_;
  std::filesystem::path provider_key_file_;
  std::filesystem::path rogue_dir_;
  std::filesystem::path rogue_key_file_;
  std::string rogue_url_;
  std::string org_url_;
  std::string provider_url_;
  std::uint16_t http01_port_ = 0;
  std::vector<Process> processes_;  // stopped in reverse order
};

}  // namespace ztm::demo
