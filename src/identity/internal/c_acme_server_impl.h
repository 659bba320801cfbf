// c_acme_server_impl: the state AcmeServer's request handlers share, split over
// acme_server.cc (routing, JWS authentication, accounts, orders, authorizations,
// challenges), acme_server_certs.cc (finalize, certificate, revocation, CRL),
// sso_challenge.cc (sso-01 login), provider_challenge.cc (provider-01) and
// c_validation.cc (http-01 and dns-01 checks on a worker thread).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "internal/c_acme_problem.h"
#include "internal/c_nonce.h"
#include "ztm/identity/acme_server.h"
#include "ztm/identity/jws.h"

namespace ztm::identity {

// AuthenticatedRequest is a POST whose JWS verified: under the account's key (kid)
// or, where allowed, under an embedded jwk.
struct AuthenticatedRequest {
  std::optional<PublicJwk> key;          // ES256/EdDSA keys; absent for an RSA key (RS256)
  nlohmann::json key_jwk;                // the verifying key as a public JWK, any type
  std::string key_thumbprint;            // its RFC 7638 thumbprint
  std::optional<AccountRecord> account;  // set for kid requests
  nlohmann::json payload;                // parsed payload; null for POST-as-GET
  bool post_as_get = false;
};

// ValidationQueue runs http-01/dns-01 checks on one worker thread, so a slow or
// unreachable client never holds an HTTP worker.
class ValidationQueue {
 public:
  explicit ValidationQueue(AcmeServer::Impl& server);
  ~ValidationQueue();
  void enqueue(const std::string& challenge_id);

 private:
  void run();
  AcmeServer::Impl& server_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

struct AcmeServer::Impl {
  Impl(CertificateAuthority ca_in, std::unique_ptr<AcmeStore> store_in, AcmeServerOptions opts)
      : ca(std::move(ca_in)), store(std::move(store_in)), options(std::move(opts)) {}

  CertificateAuthority ca;
  std::unique_ptr<AcmeStore> store;
  AcmeServerOptions options;
  internal::NonceStore nonces;
  std::unique_ptr<ValidationQueue> validations;

  std::mutex oidc_mutex;
  std::shared_ptr<OidcRelyingParty> oidc_rp;  // discovered lazily

  std::mutex crl_mutex;
  std::optional<Bytes> crl_der;  // cached until a revocation or half its lifetime
  std::int64_t crl_made_unix = 0;

  // URLs of the resources (RFC 8555 §7.1).
  std::string url(std::string_view path) const { return options.base_url + std::string(path); }
  std::string account_url(const std::string& id) const { return url("/acme/acct/" + id); }
  std::string order_url(const std::string& id) const { return url("/acme/order/" + id); }
  std::string authz_url(const std::string& id) const { return url("/acme/authz/" + id); }
  std::string challenge_url(const std::string& id) const { return url("/acme/chall/" + id); }
  std::string certificate_url(const std::string& id) const { return url("/acme/cert/" + id); }
  std::string sso_url(const std::string& challenge_id) const { return url("/sso/" + challenge_id); }

  // finish adds the headers every ACME response carries (§6.5, §7.1).
  http::Response finish(http::Response response);
  http::Response respond(const internal::Outcome<http::Response>& outcome);

  // authenticate checks a POST per §6.2–6.4; allow_jwk for newAccount/revokeCert.
  internal::Outcome<AuthenticatedRequest> authenticate(const http::Request& request, bool allow_jwk,
                                                       bool require_jwk);

  // Resource handlers (each returns the response body or a problem).
  internal::Outcome<http::Response> directory();
  internal::Outcome<http::Response> new_account(const http::Request& request);
  internal::Outcome<http::Response> account(const http::Request& request, const std::string& id);
  internal::Outcome<http::Response> key_change(const http::Request& request);
  internal::Outcome<http::Response> new_order(const http::Request& request);
  internal::Outcome<http::Response> order(const http::Request& request, const std::string& id);
  internal::Outcome<http::Response> authorization(const http::Request& request,
                                                  const std::string& id);
  internal::Outcome<http::Response> challenge(const http::Request& request, const std::string& id);
  internal::Outcome<http::Response> finalize(const http::Request& request, const std::string& id);
  internal::Outcome<http::Response> certificate(const http::Request& request,
                                                const std::string& id);
  internal::Outcome<http::Response> revoke(const http::Request& request);
  http::Response crl();

  // sso-01 (sso_challenge.cc): the user agent's two GETs.
  http::Response sso_start(const http::Request& request, const std::string& challenge_id);
  http::Response sso_callback(const http::Request& request);
  Result<std::shared_ptr<OidcRelyingParty>> relying_party();

  // provider-01 (provider_challenge.cc): check the meeting service's token.
  internal::Outcome<void> check_provider_token(const AccountRecord& account,
                                               const AuthorizationRecord& authz,
                                               const nlohmann::json& payload);

  // State transitions shared by the handlers and the validation worker.
  Result<void> record_validation(const ChallengeRecord& challenge, bool valid,
                                 const std::optional<internal::Problem>& error);
  Result<OrderRecord> refresh_order(OrderRecord order);
  Result<AuthorizationRecord> refresh_authorization(AuthorizationRecord authz);
  // validate_challenge performs one http-01/dns-01 check (c_validation.cc).
  std::optional<internal::Problem> validate_challenge(const ChallengeRecord& challenge,
                                                      const AuthorizationRecord& authz,
                                                      const AccountRecord& account);

  // JSON views of the objects (§7.1.2–7.1.5).
  nlohmann::json account_json(const AccountRecord& account) const;
  Result<nlohmann::json> order_json(const OrderRecord& order);
  // order_response answers with the order object, with its URL as Location for
  // newOrder and finalize (§7.4).
  internal::Outcome<http::Response> order_response(int status, const OrderRecord& order,
                                                   bool with_location);
  Result<nlohmann::json> authorization_json(const AuthorizationRecord& authz);
  nlohmann::json challenge_json(const ChallengeRecord& challenge) const;
};

// now_unix is the current time in Unix seconds.
std::int64_t now_unix();

// key_authorization is token || '.' || base64url(JWK thumbprint) (RFC 8555 §8.1).
std::string key_authorization(const std::string& token, const AccountRecord& account);

}  // namespace ztm::identity
