// AcmeServer: an ACME certificate authority (RFC 8555) for ztmeet identities, the
// engine of `ztmeet ca serve`. It answers directory, newNonce, newAccount, newOrder,
// order, authorization, challenge, finalize, certificate and revokeCert requests,
// validates "dns" identifiers with http-01 and dns-01 (§8.3, §8.4) and "email"
// identifiers (RFC 8823's identifier type) with sso-01 — a login at the
// organization's OIDC IdP (docs/identity.md, "The sso-01 challenge") — or, in
// provider mode, with a token from the meeting service. It issues short-lived
// profile certificates (ztm/identity/profile.h) and publishes a CRL.
//
// AcmeServer itself is a function from http::Request to http::Response
// (thread-safe), so tests can drive it without sockets; AcmeService runs it on an
// HttpServer over TLS plus a plain-HTTP listener for the CRL (RFC 5280 §4.2.1.13).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/http/message.h"
#include "ztm/http/server.h"
#include "ztm/identity/acme_store.h"
#include "ztm/identity/ca.h"
#include "ztm/identity/oidc.h"

namespace ztm::identity {

// ProviderTokenConfig turns on provider mode: `email` identifiers are validated by
// the "provider-01" challenge, whose response carries a token the meeting service
// signed (HS256 with this shared key) after the user authenticated to it. The
// token's claims bind the email to the ACME account key ("jkt", RFC 7638
// thumbprint) and expire quickly (docs/identity.md, "Provider mode").
struct ProviderTokenConfig {
  SecretBytes hmac_key;  // at least 32 bytes
  std::string issuer;    // the token's "iss", e.g. the meeting service's URL
  std::chrono::seconds max_token_age{600};
};

// AcmeServerOptions configure the CA's policy and its validation authority.
struct AcmeServerOptions {
  // base_url is the externally visible "https://host:port" of the ACME server, and
  // crl_url the plain-HTTP URL of its CRL; AcmeService fills both when it binds.
  // Both must be set before create().
  std::string base_url;
  std::string crl_url;
  std::chrono::seconds certificate_lifetime{std::chrono::hours(24)};
  std::chrono::seconds order_lifetime{std::chrono::hours(1)};
  std::chrono::seconds crl_lifetime{std::chrono::hours(1)};
  // http01_port is where http-01 checks connect (80 in production; tests use a
  // loopback port, as Pebble's httpPort).
  std::uint16_t http01_port = 80;
  // dns_resolver "ip:port" answers the dns-01 TXT and the http-01 A lookups; empty
  // uses the system resolver.
  std::string dns_resolver;
  std::chrono::milliseconds validation_timeout{10'000};
  // dns_domains, when non-empty, limits "dns" identifiers to these domains and
  // their subdomains; email_domains does the same for the domain of "email" ones.
  std::vector<std::string> dns_domains;
  std::vector<std::string> email_domains;
  // oidc enables sso-01 for email identifiers (the server is the relying party).
  std::optional<OidcClientConfig> oidc;
  // provider enables provider-01 for email identifiers.
  std::optional<ProviderTokenConfig> provider;
};

class AcmeServer {
 public:
  // create builds the server. With options.oidc, the IdP is discovered at the
  // first sso-01 login (and again after a failed discovery), so the CA starts even
  // while the IdP is down; options.oidc->redirect_uri defaults to
  // base_url + "/sso/callback".
  static Result<std::unique_ptr<AcmeServer>> create(CertificateAuthority ca,
                                                    std::unique_ptr<AcmeStore> store,
                                                    AcmeServerOptions options);
  ~AcmeServer();
  AcmeServer(const AcmeServer&) = delete;
  AcmeServer& operator=(const AcmeServer&) = delete;

  // handle answers one request on the ACME listener (thread-safe).
  http::Response handle(const http::Request& request);
  // handle_crl answers the plain-HTTP CRL listener: GET /crl (DER,
  // application/pkix-crl) and GET /ca.pem.
  http::Response handle_crl(const http::Request& request);

  std::string directory_url() const;
  // crl_url is where issued certificates say the CRL is.
  std::string crl_url() const;
  const CertificateAuthority& ca() const;
  AcmeStore& store();

  struct Impl;

 private:
  explicit AcmeServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// AcmeServiceOptions say where AcmeService listens.
struct AcmeServiceOptions {
  http::ServerOptions acme;  // must carry a TLS certificate and key (RFC 8555 §6.1)
  std::string crl_address = "127.0.0.1";
  std::uint16_t crl_port = 0;
  // public_host replaces the bound address in base_url/crl_url (a DNS name that the
  // TLS certificate names); empty uses the address.
  std::string public_host;
};

// AcmeService runs an AcmeServer on two listeners until stopped or destroyed.
class AcmeService {
 public:
  static Result<std::unique_ptr<AcmeService>> start(const AcmeServiceOptions& options,
                                                    CertificateAuthority ca,
                                                    std::unique_ptr<AcmeStore> store,
                                                    AcmeServerOptions server_options);
  ~AcmeService();
  std::string directory_url() const;
  std::string crl_url() const;
  AcmeServer& server() { return *server_; }
  void stop();

 private:
  AcmeService() = default;
  struct Forward;
  std::shared_ptr<Forward> forward_;  // what the listeners call until and after create
  std::unique_ptr<AcmeServer> server_;
  std::unique_ptr<http::HttpServer> acme_listener_;
  std::unique_ptr<http::HttpServer> crl_listener_;
};

}  // namespace ztm::identity
