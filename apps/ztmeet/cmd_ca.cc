// `ztmeet ca init|serve`: an ACME certificate authority (RFC 8555) for ztmeet
// identities — the organization's CA (sso-01 for people, http-01/dns-01 for
// devices) or the provider's (provider-01). See docs/identity.md.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "ztm/identity/acme_server.h"
#include "ztm/identity/sso_challenge.h"

namespace ztm::app {

namespace {

struct CaArgs {
  std::string data_dir = "ztmeet-ca";
  std::string key_type = "p256";
  std::string name = "ztmeet CA";
  std::string organization;
  std::vector<std::string> domains;

  std::string listen = "127.0.0.1:14000";
  std::string tls_cert;
  std::string tls_key;
  std::string public_host;
  std::string crl_listen = "127.0.0.1:14080";
  int http01_port = 80;
  std::string dns_resolver;
  std::string cert_lifetime = "24h";
  std::vector<std::string> dns_domains;
  std::vector<std::string> email_domains;
  std::string oidc_issuer;
  std::string oidc_client_id;
  std::string oidc_client_secret_file;
  std::string oidc_ca_bundle;
  bool provider = false;
  std::string provider_key_file;
  std::string provider_issuer;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "ztmeet ca: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

// parse_duration reads "90s", "30m", "24h", "7d" (a bare number is seconds).
std::chrono::seconds parse_duration(const std::string& text) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (...) {
    die("bad duration: " + text);
  }
  std::string unit = text.substr(used);
  long long scale = unit.empty() || unit == "s" ? 1
                    : unit == "m"               ? 60
                    : unit == "h"               ? 3600
                    : unit == "d"               ? 86400
                                                : 0;
  if (scale == 0 || value <= 0) die("bad duration: " + text);
  return std::chrono::seconds(value * scale);
}

std::pair<std::string, std::uint16_t> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) die("listen address must be host:port: " + text);
  int port = std::atoi(text.c_str() + colon + 1);
  if (port < 0 || port > 65535) die("bad port in " + text);
  std::string host = text.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, static_cast<std::uint16_t>(port)};
}

// read_secret_file reads a secret (an OIDC client secret, a provider key) without a
// trailing newline. The value is never printed.
SecretBytes read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  SecretBytes out(as_bytes(text));
  secure_zero(text.data(), text.size());
  return out;
}

identity::CaOptions ca_options(const CaArgs& a) {
  identity::CaOptions o;
  o.data_dir = a.data_dir;
  if (a.key_type == "p256") {
    o.key_scheme = crypto::SignatureScheme::ecdsa_secp256r1_sha256;
  } else if (a.key_type == "ed25519") {
    o.key_scheme = crypto::SignatureScheme::ed25519;
  } else {
    die("--key-type must be p256 or ed25519");
  }
  o.common_name = a.name;
  o.organization = a.organization;
  o.permitted_domains = a.domains;
  return o;
}

void run_init(const CaArgs& a) {
  auto ca = identity::CertificateAuthority::init(ca_options(a));
  if (!ca) die(ca.error().what());
  std::printf("CA in %s\n  subject %s\n  certificate %s/ca.pem (give it to relying parties)\n",
              a.data_dir.c_str(), ca->certificate().subject().c_str(), a.data_dir.c_str());
}

void run_serve(const CaArgs& a) {
  if (a.tls_cert.empty() || a.tls_key.empty()) die("--tls-cert and --tls-key are required");
  auto ca = identity::CertificateAuthority::init(ca_options(a));
  if (!ca) die(ca.error().what());
  auto store = identity::AcmeStore::open(a.data_dir + "/acme.db");
  if (!store) die(store.error().what());

  identity::AcmeServerOptions options;
  options.certificate_lifetime = parse_duration(a.cert_lifetime);
  if (a.http01_port <= 0 || a.http01_port > 65535) die("bad --http01-port");
  options.http01_port = static_cast<std::uint16_t>(a.http01_port);
  options.dns_resolver = a.dns_resolver;
  options.dns_domains = a.dns_domains;
  options.email_domains = a.email_domains;
  if (!a.oidc_issuer.empty()) {
    if (a.oidc_client_id.empty() || a.oidc_client_secret_file.empty()) {
      die("--oidc-issuer needs --oidc-client-id and --oidc-client-secret-file");
    }
    identity::OidcClientConfig oidc;
    oidc.issuer = a.oidc_issuer;
    oidc.client_id = a.oidc_client_id;
    oidc.client_secret = read_secret_file(a.oidc_client_secret_file);
    oidc.ca_bundle_file = a.oidc_ca_bundle;
    options.oidc = std::move(oidc);
  }
  if (a.provider) {
    if (a.provider_key_file.empty() || a.provider_issuer.empty()) {
      die("--provider needs --provider-key-file and --provider-issuer");
    }
    options.provider = identity::ProviderTokenConfig{read_secret_file(a.provider_key_file),
                                                     a.provider_issuer, std::chrono::seconds(600)};
  }

  identity::AcmeServiceOptions service;
  auto [host, port] = parse_listen(a.listen);
  service.acme.address = host;
  service.acme.port = port;
  service.acme.tls_cert_chain_file = a.tls_cert;
  service.acme.tls_private_key_file = a.tls_key;
  service.acme.worker_threads = 4;
  auto [crl_host, crl_port] = parse_listen(a.crl_listen);
  service.crl_address = crl_host;
  service.crl_port = crl_port;
  service.public_host = a.public_host;

  // Block the signals before any thread starts, so that sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto running =
      identity::AcmeService::start(service, std::move(*ca), std::move(*store), std::move(options));
  if (!running) die(running.error().what());
  std::printf("ACME directory %s\nCRL %s\nchallenges: dns -> http-01 (port %d), dns-01%s%s\n",
              (*running)->directory_url().c_str(), (*running)->crl_url().c_str(), a.http01_port,
              a.oidc_issuer.empty() ? "" : "; email -> sso-01",
              a.provider ? "; email -> provider-01" : "");
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  (*running)->stop();
}

// ProviderTokenArgs: `ztmeet ca provider-token`, the meeting service's side of
// provider-01 for tests and the demo (a real service mints these after its own login).
struct ProviderTokenArgs {
  std::string key_file;
  std::string issuer;
  std::string lifetime = "5m";
  std::string email;
  std::string account_thumbprint;
};

void run_provider_token(const ProviderTokenArgs& a) {
  const auto lifetime = parse_duration(a.lifetime);
  if (lifetime > std::chrono::minutes(10)) die("--lifetime is at most 10m (the CA's limit)");
  const SecretBytes key = read_secret_file(a.key_file);
  if (key.size() < 32) die(a.key_file + " holds fewer than 32 bytes");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  identity::ProviderTokenClaims claims{a.issuer, a.email, a.account_thumbprint, now,
                                       now + lifetime.count()};
  std::printf("%s\n", identity::make_provider_token(claims, key).c_str());
}

void add_ca_options(CLI::App* cmd, CaArgs& a) {
  cmd->add_option("--data-dir", a.data_dir, "Directory of ca.key (0600), ca.pem and acme.db")
      ->capture_default_str();
  cmd->add_option("--key-type", a.key_type, "CA key on first start: p256 or ed25519")
      ->capture_default_str();
  cmd->add_option("--name", a.name, "CA certificate common name")->capture_default_str();
  cmd->add_option("--organization", a.organization, "CA certificate organization");
  cmd->add_option("--permit-domain", a.domains,
                  "Name constraint on the CA certificate (repeatable)");
}

}  // namespace

void add_ca_command(CLI::App& app) {
  auto* ca = app.add_subcommand(
      "ca", "An ACME CA (RFC 8555) issuing short-lived ztmeet identity certificates");
  ca->require_subcommand(1);
  auto args = std::make_shared<CaArgs>();

  auto* init = ca->add_subcommand("init", "Create the CA key and self-signed certificate");
  add_ca_options(init, *args);
  init->callback([args] { run_init(*args); });

  auto* serve = ca->add_subcommand(
      "serve",
      "Serve ACME over TLS (and the CRL over HTTP); creates the CA on first start.\n"
      "dns identifiers: http-01 and dns-01. email identifiers: sso-01 via the\n"
      "organization's OIDC IdP (--oidc-*) and/or provider-01 (--provider).");
  add_ca_options(serve, *args);
  serve->add_option("--listen", args->listen, "ACME listen address host:port")
      ->capture_default_str();
  serve->add_option("--tls-cert", args->tls_cert, "TLS certificate chain (PEM)")->required();
  serve->add_option("--tls-key", args->tls_key, "TLS private key (PEM)")->required();
  serve->add_option("--public-host", args->public_host,
                    "Host name in the URLs the CA hands out (default: the listen address)");
  serve->add_option("--crl-listen", args->crl_listen, "Plain-HTTP CRL listen address host:port")
      ->capture_default_str();
  serve->add_option("--http01-port", args->http01_port, "Port http-01 checks connect to")
      ->capture_default_str();
  serve->add_option("--dns-resolver", args->dns_resolver,
                    "DNS server ip:port for dns-01 and http-01 lookups (default: system)");
  serve
      ->add_option("--cert-lifetime", args->cert_lifetime,
                   "Certificate lifetime (90s, 30m, 24h, 7d)")
      ->capture_default_str();
  serve->add_option("--dns-domain", args->dns_domains, "Allowed DNS domain (repeatable)");
  serve->add_option("--email-domain", args->email_domains, "Allowed email domain (repeatable)");
  serve->add_option("--oidc-issuer", args->oidc_issuer, "OIDC issuer URL (enables sso-01)");
  serve->add_option("--oidc-client-id", args->oidc_client_id, "OIDC client id of this CA");
  serve->add_option("--oidc-client-secret-file", args->oidc_client_secret_file,
                    "File holding the OIDC client secret");
  serve->add_option("--oidc-ca-bundle", args->oidc_ca_bundle, "Trust anchors for an https IdP");
  serve->add_flag("--provider", args->provider,
                  "Provider mode: validate email identifiers with meeting-service tokens");
  serve->add_option("--provider-key-file", args->provider_key_file,
                    "File holding the HMAC key shared with the meeting service (>= 32 bytes)");
  serve->add_option("--provider-issuer", args->provider_issuer,
                    "The meeting service's token issuer (\"iss\")");
  serve->callback([args] { run_serve(*args); });

  auto token_args = std::make_shared<ProviderTokenArgs>();
  auto* token = ca->add_subcommand(
      "provider-token",
      "Print a provider-01 token (HS256 JWS) for EMAIL bound to the ACME account key with\n"
      "thumbprint JKT, signed with the key shared with `ca serve --provider`. This stands in\n"
      "for the meeting service in tests and the demo; use it as `ztmeet enroll\n"
      "--provider-token-command 'ztmeet ca provider-token --provider-key-file F\n"
      "--provider-issuer ISS'` (enroll appends EMAIL and JKT).");
  token->add_option("--provider-key-file", token_args->key_file, "File holding the HMAC key")
      ->required()
      ->check(CLI::ExistingFile);
  token->add_option("--provider-issuer", token_args->issuer, "The token's \"iss\"")->required();
  token->add_option("--lifetime", token_args->lifetime, "Token lifetime (at most 10m)")
      ->capture_default_str();
  token->add_option("email", token_args->email, "The user's email")->required();
  token
      ->add_option("jkt", token_args->account_thumbprint,
                   "RFC 7638 thumbprint of the user's ACME account key")
      ->required();
  token->callback([token_args] { run_provider_token(*token_args); });
}

ZTM_REGISTER_COMMAND(30, add_ca_command);

}  // namespace ztm::app
