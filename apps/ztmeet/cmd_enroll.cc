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
#include "ztm/identity/enrollment.h"
#include "ztm/identity/profile.h"

namespace ztm::app {
namespace {

struct EnrollArgs {
  std::string server;
  std::string ca_bundle;
  std::string email;
  std::string domain;
  std::string challenge = "http-01";
  std::string http_address = "0.0.0.0";
  std::uint16_t http_port = 80;
  std::string dns_hook;
  std::uint16_t suite = 1;
  std::string out;
  std::string contact;
  int timeout_seconds = 30;
  bool force = false;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "ztmeet enroll: error: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

void run(const EnrollArgs& args) {
  namespace id = ztm::identity;
  const std::filesystem::path out(args.out);
  if (args.email.empty() == args.domain.empty()) die("give exactly one of --email or --domain");
  if (args.challenge == "dns-01" && args.dns_hook.empty())
    die("--challenge dns-01 needs --dns-hook");
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
      "Example: ztmeet enroll --server https://ca.example.com/dir --domain room-7.example.com\n"
      "         --challenge dns-01 --dns-hook ./set-txt.sh --out ~/.ztmeet/id");
  auto args = std::make_shared<EnrollArgs>();
  cmd->add_option("--server", args->server, "ACME directory URL")->required();
  cmd->add_option("--ca-bundle", args->ca_bundle,
                  "PEM file of CAs trusted for the ACME server's HTTPS (default: system store)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--email", args->email, "Enroll a user identity (email identifier)");
  cmd->add_option("--domain", args->domain, "Enroll a device identity (dns identifier)");
  cmd->add_option("--challenge", args->challenge, "Challenge to solve")
      ->check(CLI::IsMember({"http-01", "dns-01"}))
      ->capture_default_str();
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
  cmd->callback([args] { run(*args); });
}

}  // namespace ztm::app
