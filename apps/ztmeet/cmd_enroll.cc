// `ztmeet enroll`: get an X.509 certificate for a new MLS signature key from an ACME
// CA (RFC 8555) and store key and chain in a directory.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "commands.h"
#include "ztm/base/secret.h"
#include "ztm/identity/enrollment.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/sso_test_browser.h"

namespace ztm::app {
namespace {

namespace id = ztm::identity;

struct EnrollArgs {
  std::string server;
  std::string ca_bundle;
  std::string email;
  std::string domain;
  std::string challenge;  // default: sso-01 for --email, http-01 for --domain
  bool sso = false;
  int sso_timeout_seconds = 300;
  bool sso_test_browser = false;
  std::string sso_login;
  std::string sso_password_file;
  std::string provider_token_command;
  std::string http_address = "0.0.0.0";
  std::uint16_t http_port = 80;
  std::string dns_hook;
  std::uint16_t suite = 1;
  std::string out;
  std::string contact;
  int timeout_seconds = 30;
  bool force = false;
  bool rollover_account_key = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "ztmeet enroll: error: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

// kTestBrowserDefaultPassword is what the test browser types when no password file
// is given: development IdPs (oidc-provider's dev interactions) accept any password.
constexpr char kTestBrowserDefaultPassword[] = "dev-password";

// read_password reads a password file (first line), never echoing it.
SecretBytes read_password(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  SecretBytes out(as_bytes(line));
  secure_zero(line.data(), line.size());
  return out;
}

// sso_sign_in is how the user's browser gets to the IdP: printed for a person, or
// the test browser (tests and the demo only).
id::SsoSignIn sso_sign_in(const EnrollArgs& args) {
  if (!args.sso_test_browser) {
    return [](const id::SsoChallengeObject& sso, const id::AcmeIdentifier& identifier) {
      std::printf(
          "\n  Open this address in your browser and sign in as %s:\n\n    %s\n\n"
          "  (the CA asks your organization's sign-in service; this program waits)\n",
          identifier.value.c_str(), sso.sso_url.c_str());
      std::fflush(stdout);
      return ztm::ok();
    };
  }
  id::SsoTestLogin login{args.sso_login.empty() ? args.email : args.sso_login,
                         args.sso_password_file.empty()
                             ? SecretBytes(as_bytes(kTestBrowserDefaultPassword))
                             : read_password(args.sso_password_file)};
  id::SsoTestBrowserOptions options;
  options.http.ca_bundle_file = args.ca_bundle;
  options.http.timeout = std::chrono::seconds(args.timeout_seconds);
  options.http.max_response_body_bytes = id::kMaxHtmlFormPageBytes;
  const std::string name = login.login;
  return [name, browser = id::sso_test_browser(std::move(login), std::move(options))](
             const id::SsoChallengeObject& sso, const id::AcmeIdentifier& identifier) {
    std::printf("  TEST MODE: signing in at the identity provider as %s without a browser\n",
                name.c_str());
    std::fflush(stdout);
    return browser(sso, identifier);
  };
}

// rollover replaces the account key in --out (RFC 8555 §7.3.5) and stops there.
void rollover(const EnrollArgs& args) {
  if (!args.email.empty() || !args.domain.empty() || !args.challenge.empty() || args.sso) {
    die("--rollover-account-key changes the account key only: no --email, --domain or challenge");
  }
  id::AcmeClientOptions acme;
  acme.directory_url = args.server;
  acme.http.ca_bundle_file = args.ca_bundle;
  acme.http.timeout = std::chrono::seconds(args.timeout_seconds);
  acme.progress = [](std::string_view line) {
    std::printf("  %.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(stdout);
  };
  std::printf("rolling over the ACME account key in %s at %s\n", args.out.c_str(),
              args.server.c_str());
  auto account = id::rollover_account_key(acme, args.out);
  if (!account) die(account.error().what());
  std::printf("account %s now answers to the new key in %s/%s (mode 0600)\n", account->c_str(),
              args.out.c_str(), id::kAccountKeyFile);
}

void run(EnrollArgs args) {
  if (args.rollover_account_key) {
    rollover(args);
    return;
  }
  const std::filesystem::path out(args.out);
  if (args.email.empty() == args.domain.empty()) die("give exactly one of --email or --domain");
  if (args.sso) {
    if (!args.challenge.empty() && args.challenge != "sso-01")
      die("--sso means --challenge sso-01");
    args.challenge = "sso-01";
  }
  if (args.challenge.empty()) args.challenge = args.email.empty() ? "http-01" : "sso-01";
  const bool email_challenge = args.challenge == "sso-01" || args.challenge == "provider-01";
  if (email_challenge == args.email.empty()) {
    die("sso-01 and provider-01 enroll an --email, http-01 and dns-01 a --domain");
  }
  if (args.challenge == "dns-01" && args.dns_hook.empty())
    die("--challenge dns-01 needs --dns-hook");
  if (args.challenge == "provider-01" && args.provider_token_command.empty()) {
    die("--challenge provider-01 needs --provider-token-command");
  }
  if (args.challenge != "sso-01" &&
      (args.sso_test_browser || !args.sso_login.empty() || !args.sso_password_file.empty())) {
    die("--sso-test-browser, --sso-login and --sso-password-file go with sso-01");
  }
  auto scheme = id::signature_scheme_for_suite(args.suite);
  if (!scheme) die(scheme.error().what());

  // An existing chain that is not yet due for renewal is kept, unless --force.
  const auto chain_file = out / id::kChainFile;
  if (!args.force && std::filesystem::exists(chain_file)) {
    std::ifstream in(chain_file);
    const std::string chain((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto due = id::needs_renewal(chain, std::chrono::system_clock::now());
    if (due && !*due) {
      std::printf(
          "%s holds a certificate not yet due for renewal (2/3 of its lifetime); "
          "use --force to enroll anyway\n",
          chain_file.c_str());
      return;
    }
  }

  id::EnrollmentOptions o;
  o.acme.directory_url = args.server;
  o.acme.http.ca_bundle_file = args.ca_bundle;
  o.acme.http.timeout = std::chrono::seconds(args.timeout_seconds);
  o.acme.progress = [](std::string_view line) {
    std::printf("  %.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(stdout);
  };
  o.identifiers = {args.email.empty() ? id::AcmeIdentifier{"dns", args.domain}
                                      : id::AcmeIdentifier{"email", args.email}};
  if (!args.contact.empty()) {
    o.contact = {"mailto:" + args.contact};
  } else if (!args.email.empty()) {
    o.contact = {"mailto:" + args.email};
  }
  o.challenge_type = args.challenge;
  o.http01 = {args.http_address, args.http_port};
  if (!args.dns_hook.empty()) o.dns01 = id::dns01_command_hook(args.dns_hook);
  if (args.challenge == "sso-01") {
    o.sso_sign_in = sso_sign_in(args);
    o.sso_timeout = std::chrono::seconds(args.sso_timeout_seconds);
  }
  if (!args.provider_token_command.empty()) {
    o.provider_token = id::provider_token_command(args.provider_token_command);
  }
  o.signature_scheme = *scheme;
  // The account key is kept with the credential so renewals use the same account.
  const auto account_file = out / id::kAccountKeyFile;
  if (std::filesystem::exists(account_file)) {
    auto key = id::read_private_key_pem(account_file);
    if (!key) die(key.error().what());
    o.account_key = std::move(*key);
  }

  std::printf("enrolling %s with %s at %s\n", o.identifiers.front().value.c_str(),
              args.challenge.c_str(), args.server.c_str());
  auto enrollment = id::enroll(o);
  if (!enrollment) die(enrollment.error().what());
  auto saved = id::save_enrollment(*enrollment, out);
  if (!saved) die(saved.error().what());
  std::printf("stored %s (mode 0600), %s and %s in %s\n", id::kSignatureKeyFile, id::kChainFile,
              id::kAccountKeyFile, out.c_str());
}

}  // namespace

void add_enroll_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "enroll",
      "Get an X.509 certificate for a new MLS signature key from an ACME CA (RFC 8555)\n"
      "and store signature-key.pem (0600), chain.pem and account-key.pem in --out.\n"
      "Examples: ztmeet enroll --server https://ca.example.com/acme/directory \\\n"
      "            --email alice@example.com --sso --out ~/.ztmeet/id\n"
      "          ztmeet enroll --server https://ca.example.com/acme/directory \\\n"
      "            --domain room-7.example.com --challenge dns-01 --dns-hook ./set-txt.sh \\\n"
      "            --out ~/.ztmeet/room-7");
  auto args = std::make_shared<EnrollArgs>();
  cmd->add_option("--server", args->server, "ACME directory URL")->required();
  cmd->add_option("--ca-bundle", args->ca_bundle,
                  "PEM file of CAs trusted for the ACME server's HTTPS (default: system store)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--email", args->email, "Enroll a user identity (email identifier)");
  cmd->add_option("--domain", args->domain, "Enroll a device identity (dns identifier)");
  cmd->add_option("--challenge", args->challenge,
                  "Challenge to solve (default: sso-01 for --email, http-01 for --domain)")
      ->check(CLI::IsMember({"http-01", "dns-01", "sso-01", "provider-01"}));
  cmd->add_flag("--sso", args->sso,
                "Prove the --email by signing in at the organization's SSO (sso-01): prints "
                "the address to open in a browser and waits for the sign-in");
  cmd->add_option("--sso-timeout", args->sso_timeout_seconds, "Seconds to wait for the SSO sign-in")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_flag("--sso-test-browser", args->sso_test_browser,
                "TESTS AND DEMO ONLY: instead of a person's browser, sign in by itself at a "
                "development IdP (plain login/consent forms, no second factor)");
  cmd->add_option("--sso-login", args->sso_login,
                  "With --sso-test-browser: the IdP login name (default: --email)");
  cmd->add_option("--sso-password-file", args->sso_password_file,
                  "With --sso-test-browser: file whose first line is the IdP password "
                  "(default: a fixed dummy a development IdP accepts)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--provider-token-command", args->provider_token_command,
                  "provider-01: command run as CMD <email> <account-thumbprint> that prints the "
                  "meeting service's token (e.g. 'ztmeet ca provider-token ...')");
  cmd->add_option("--http-address", args->http_address, "Address the http-01 responder binds")
      ->capture_default_str();
  cmd->add_option("--http-port", args->http_port, "Port the http-01 responder listens on")
      ->capture_default_str();
  cmd->add_option("--dns-hook", args->dns_hook,
                  "dns-01 command, run as: CMD present|cleanup <record-name> <value>");
  cmd->add_option("--suite", args->suite, "MLS cipher suite whose signature key to certify (1-7)")
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Directory for the key and chain")->required();
  cmd->add_option("--contact", args->contact, "Account contact email (default: --email)");
  cmd->add_option("--timeout", args->timeout_seconds, "Per-request timeout in seconds")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  cmd->add_flag("--force", args->force, "Enroll even if --out holds a certificate not yet due");
  cmd->add_flag("--rollover-account-key", args->rollover_account_key,
                "Replace the ACME account key kept in --out with a fresh one (RFC 8555 "
                "§7.3.5) and exit; the MLS key and the certificate are untouched");
  cmd->callback([args] { run(*args); });
}

ZTM_REGISTER_COMMAND(40, add_enroll_command);

}  // namespace ztm::app
