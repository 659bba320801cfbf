// AcmeClient speaks RFC 8555 to one ACME server: directory, nonces, account, orders,
// authorizations, challenges, finalize, certificate download. Every request is a
// JWS POST (§6.2), POST-as-GET for reads (§6.3). It is synchronous and
// single-threaded; enrollment.h drives it end to end.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/http/client.h"
#include "ztm/identity/acme_types.h"

namespace ztm::identity {

// AcmeProgress receives one human-readable line per step ("creating order", ...).
// Lines never contain key material.
using AcmeProgress = std::function<void(std::string_view line)>;

// AcmeClientOptions configure the transport and the polling bounds.
struct AcmeClientOptions {
  std::string directory_url;
  http::ClientOptions http;  // CA bundle, per-request timeout, response size limit
  // Polling (§7.5.1, §7.4): wait what Retry-After says, default_poll_interval when
  // it says nothing, never more than max_poll_interval per wait, and give up with
  // timeout after poll_timeout in total.
  std::chrono::milliseconds default_poll_interval{1000};
  std::chrono::milliseconds max_poll_interval{10'000};
  std::chrono::milliseconds poll_timeout{120'000};
  AcmeProgress progress;
};

// AcmeResponse is one answer of the server, after problem documents were turned
// into errors.
struct AcmeResponse {
  int status = 0;
  http::Headers headers;
  std::string body;
  std::optional<std::string> location;
  nlohmann::json json;  // the parsed body when it is JSON, else null
};

// AcmeClient owns the account key and the current nonce. Movable, not thread-safe.
class AcmeClient {
 public:
  // connect fetches the directory. Errors are the transport's (io_error, untrusted,
  // timeout) or protocol_violation for a malformed directory.
  static Result<AcmeClient> connect(AcmeClientOptions options,
                                    crypto::SignaturePrivateKey account_key);

  const AcmeDirectory& directory() const { return directory_; }
  const crypto::SignaturePrivateKey& account_key() const { return account_key_; }
  // account_url is the "kid" once new_account succeeded, else "".
  const std::string& account_url() const { return account_url_; }
  // last_problem is the problem document of the most recent failed request, so a
  // caller can branch on its type and show its detail and subproblems.
  const std::optional<AcmeProblem>& last_problem() const { return last_problem_; }
  // retried_bad_nonces counts badNonce errors that a retry recovered from.
  int retried_bad_nonces() const { return retried_bad_nonces_; }

  // new_account registers the account key (§7.3) or finds the existing account
  // when only_return_existing. contact are URLs ("mailto:a@example.com").
  Result<AcmeAccount> new_account(const std::vector<std::string>& contact,
                                  bool terms_of_service_agreed = true,
                                  bool only_return_existing = false);

  // change_key rolls the account over to new_key (§7.3.5): the request is signed by
  // the current key, around an inner JWS signed by new_key. On success the client
  // signs with new_key from then on; the account, its orders and authorizations stay.
  // Errors: invalid_state (no account yet, or the server has no keyChange), and the
  // server's problem (e.g. an account with new_key exists: 409, see last_problem()).
  Result<void> change_key(crypto::SignaturePrivateKey new_key);

  // new_order applies for a certificate for these identifiers (§7.4).
  Result<AcmeOrder> new_order(const std::vector<AcmeIdentifier>& identifiers);
  Result<AcmeOrder> get_order(const std::string& url);
  Result<AcmeAuthorization> get_authorization(const std::string& url);

  // respond_to_challenge tells the server the challenge is ready (§7.5.1). payload is
  // {} for http-01 and dns-01; extension challenges (sso-01) put their fields in it.
  Result<AcmeChallenge> respond_to_challenge(
      const AcmeChallenge& challenge, const nlohmann::json& payload = nlohmann::json::object());

  // wait_for_authorization polls until the authorization leaves pending. valid is
  // success; invalid is an error carrying the failed challenge's problem.
  Result<AcmeAuthorization> wait_for_authorization(const std::string& url);
  // AuthorizationPending is told the time left at each pending answer (for a
  // "waiting for the sign-in" line while a person completes sso-01).
  using AuthorizationPending = std::function<void(std::chrono::milliseconds left)>;
  // wait_for_authorization with its own timeout (instead of poll_timeout) and a
  // callback per pending answer.
  Result<AcmeAuthorization> wait_for_authorization(const std::string& url,
                                                   std::chrono::milliseconds timeout,
                                                   const AuthorizationPending& on_pending);

  // finalize submits the CSR (DER) once the order is ready and polls until the order
  // is valid, returning it with its certificate URL (§7.4).
  Result<AcmeOrder> finalize(const AcmeOrder& order, ByteView csr_der);

  // download_certificate fetches the PEM chain (application/pem-certificate-chain,
  // §7.4.2), leaf first.
  Result<std::string> download_certificate(const std::string& url);

  // key_authorization is token || '.' || base64url(JWK thumbprint) (§8.1).
  std::string key_authorization(std::string_view token) const;
  // dns01_txt_value is base64url(SHA-256(key authorization)) (§8.4).
  std::string dns01_txt_value(std::string_view token) const;

  // post sends a signed request with payload (JSON text, or "" for POST-as-GET) and
  // retries once on badNonce with the nonce of the error response (§6.5). A problem
  // document becomes an error (AcmeProblem::to_error) and is kept in last_problem.
  Result<AcmeResponse> post(const std::string& url, std::string_view payload);

 private:
  AcmeClient(AcmeClientOptions options, crypto::SignaturePrivateKey account_key)
      : options_(std::move(options)), account_key_(std::move(account_key)) {}
  Result<std::string> take_nonce();
  Result<AcmeResponse> post_once(const std::string& url, std::string_view payload, bool& bad_nonce);
  void progress(std::string_view line) const;
  std::chrono::milliseconds retry_after(const AcmeResponse& response) const;

  AcmeClientOptions options_;
  crypto::SignaturePrivateKey account_key_;
  AcmeDirectory directory_;
  std::string account_url_;
  std::optional<std::string> nonce_;
  std::optional<AcmeProblem> last_problem_;
  int retried_bad_nonces_ = 0;
};

// parse_retry_after reads a Retry-After value (RFC 9110 §10.2.3): delay-seconds or
// an IMF-fixdate, relative to now. Unparseable is nullopt; a date in the past is 0.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace ztm::identity
