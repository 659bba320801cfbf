// The ACME client's requests (RFC 8555 §6, §7).
#include "ztm/identity/acme_client.h"

#include <charconv>
#include <ctime>
#include <thread>

#include "internal/c_json.h"
#include "ztm/crypto/hash.h"
#include "ztm/identity/jws.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kJoseJson = "application/jose+json";

bool is_problem(const http::Response& r) {
  const auto type = r.headers.get("Content-Type").value_or("");
  return type.rfind("application/problem+json", 0) == 0;
}

json parse_json_body(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json() : j;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  unsigned long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    return std::chrono::milliseconds(std::min<unsigned long>(seconds, 86'400) * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

Result<AcmeClient> AcmeClient::connect(AcmeClientOptions options,
                                       crypto::SignaturePrivateKey account_key) {
  ZTM_TRY(jws_algorithm_for(account_key.scheme()));
  AcmeClient client(std::move(options), std::move(account_key));
  client.progress("fetching ACME directory " + client.options_.directory_url);
  ZTM_TRY_ASSIGN(auto res,
                 http::request("GET", client.options_.directory_url, {}, "", client.options_.http));
  if (res.status != 200) {
    return fail(Errc::protocol_violation,
                "acme: directory answered HTTP " + std::to_string(res.status));
  }
  ZTM_TRY_ASSIGN(client.directory_, parse_directory(parse_json_body(res.body)));
  return client;
}

void AcmeClient::progress(std::string_view line) const {
  if (options_.progress) options_.progress(line);
}

Result<std::string> AcmeClient::take_nonce() {
  if (nonce_) {
    std::string n = std::move(*nonce_);
    nonce_.reset();
    return n;
  }
  ZTM_TRY_ASSIGN(auto res, http::request("HEAD", directory_.new_nonce, {}, "", options_.http));
  auto nonce = res.headers.get("Replay-Nonce");
  if ((res.status != 200 && res.status != 204) || !nonce || nonce->empty()) {
    return fail(Errc::protocol_violation, "acme: newNonce gave no Replay-Nonce");
  }
  return *nonce;
}

Result<AcmeResponse> AcmeClient::post_once(const std::string& url, std::string_view payload,
                                           bool& bad_nonce) {
  bad_nonce = false;
  ZTM_TRY_ASSIGN(std::string nonce, take_nonce());
  JwsHeader header{url, std::move(nonce), std::nullopt};
  if (!account_url_.empty()) header.kid = account_url_;
  ZTM_TRY_ASSIGN(json jws, sign_jws(account_key_, header, payload));
  ZTM_TRY_ASSIGN(auto res, http::request("POST", url, {{"Content-Type", std::string(kJoseJson)}},
                                         jws.dump(), options_.http));
  // Every response carries a fresh nonce (§6.5), error responses included.
  if (auto n = res.headers.get("Replay-Nonce"); n && !n->empty()) nonce_ = *n;
  AcmeResponse out;
  out.status = res.status;
  out.location = res.headers.get("Location");
  out.json = parse_json_body(res.body);
  out.body = std::move(res.body);
  out.headers = std::move(res.headers);
  if (res.status >= 400 || is_problem(res)) {
    AcmeProblem problem = parse_problem(out.json, res.status);
    if (problem.detail.empty() && !out.json.is_object())
      problem.detail = "HTTP " + std::to_string(res.status);
    bad_nonce = problem.acme_type() == "badNonce";
    last_problem_ = problem;
    return tl::unexpected(problem.to_error());
  }
  return out;
}

Result<AcmeResponse> AcmeClient::post(const std::string& url, std::string_view payload) {
  bool bad_nonce = false;
  auto res = post_once(url, payload, bad_nonce);
  if (!res && bad_nonce) {
    progress("server rejected the nonce (badNonce); retrying once with a fresh one");
    ++retried_bad_nonces_;
    res = post_once(url, payload, bad_nonce);
  }
  if (res) last_problem_.reset();
  return res;
}

std::chrono::milliseconds AcmeClient::retry_after(const AcmeResponse& response) const {
  auto header = response.headers.get("Retry-After");
  std::optional<std::chrono::milliseconds> wait;
  if (header) wait = parse_retry_after(*header, std::chrono::system_clock::now());
  return std::min(wait.value_or(options_.default_poll_interval), options_.max_poll_interval);
}

Result<AcmeAccount> AcmeClient::new_account(const std::vector<std::string>& contact,
                                            bool terms_of_service_agreed,
                                            bool only_return_existing) {
  progress(only_return_existing ? "looking up ACME account" : "registering ACME account");
  json payload = json::object();
  if (!contact.empty()) payload["contact"] = contact;
  if (terms_of_service_agreed) payload["termsOfServiceAgreed"] = true;
  if (only_return_existing) payload["onlyReturnExisting"] = true;
  // newAccount is signed with the jwk even if we know the kid (§6.2).
  account_url_.clear();
  ZTM_TRY_ASSIGN(auto res, post(directory_.new_account, payload.dump()));
  if (!res.location || res.location->empty()) {
    return fail(Errc::protocol_violation, "acme: newAccount answered without Location");
  }
  account_url_ = *res.location;
  AcmeAccount account;
  account.url = account_url_;
  if (res.json.is_object()) {
    account.status = internal::json_string_or(res.json, "status");
    if (auto c = res.json.find("contact"); c != res.json.end() && c->is_array()) {
      for (const auto& v : *c) {
        if (v.is_string()) account.contact.push_back(v.get<std::string>());
      }
    }
  }
  if (account.status != "valid") {
    return fail(Errc::invalid_state, "acme: account status is '" + account.status + "'");
  }
  progress("account " + account.url);
  return account;
}

Result<void> AcmeClient::change_key(crypto::SignaturePrivateKey new_key) {
  if (account_url_.empty()) return fail(Errc::invalid_state, "acme: no account yet");
  if (directory_.key_change.empty()) {
    return fail(Errc::invalid_state, "acme: the server offers no keyChange");
  }
  progress("rolling the account key over");
  ZTM_TRY_ASSIGN(const PublicJwk old_key, public_jwk(account_key_));
  const json change = {{"account", account_url_}, {"oldKey", jwk_to_json(old_key)}};
  // The inner JWS: the new key's "jwk", the same "url", no nonce (§7.3.5).
  ZTM_TRY_ASSIGN(json inner,
                 sign_jws(new_key, JwsHeader{directory_.key_change, std::nullopt, std::nullopt},
                          change.dump()));
  ZTM_TRY(post(directory_.key_change, inner.dump()));
  account_key_ = std::move(new_key);
  progress("account key changed");
  return ok();
}

Result<AcmeOrder> AcmeClient::new_order(const std::vector<AcmeIdentifier>& identifiers) {
  if (account_url_.empty()) return fail(Errc::invalid_state, "acme: no account yet");
  if (identifiers.empty()) return fail(Errc::invalid_argument, "acme: an order needs identifiers");
  json ids = json::array();
  std::string names;
  for (const auto& id : identifiers) {
    ids.push_back(to_json(id));
    names += (names.empty() ? "" : ", ") + id.type + ":" + id.value;
  }
  progress("creating order for " + names);
  ZTM_TRY_ASSIGN(auto res, post(directory_.new_order, json{{"identifiers", ids}}.dump()));
  if (!res.location)
    return fail(Errc::protocol_violation, "acme: newOrder answered without Location");
  return parse_order(res.json, *res.location);
}

Result<AcmeOrder> AcmeClient::get_order(const std::string& url) {
  ZTM_TRY_ASSIGN(auto res, post(url, ""));
  return parse_order(res.json, url);
}

Result<AcmeAuthorization> AcmeClient::get_authorization(const std::string& url) {
  ZTM_TRY_ASSIGN(auto res, post(url, ""));
  return parse_authorization(res.json, url);
}

Result<AcmeChallenge> AcmeClient::respond_to_challenge(const AcmeChallenge& challenge,
                                                       const json& payload) {
  progress("asking the server to validate " + challenge.type);
  ZTM_TRY_ASSIGN(auto res, post(challenge.url, payload.dump()));
  return parse_challenge(res.json);
}

Result<AcmeAuthorization> AcmeClient::wait_for_authorization(const std::string& url) {
  return wait_for_authorization(url, options_.poll_timeout, nullptr);
}

Result<AcmeAuthorization> AcmeClient::wait_for_authorization(
    const std::string& url, std::chrono::milliseconds timeout,
    const AuthorizationPending& on_pending) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ZTM_TRY_ASSIGN(auto res, post(url, ""));
    ZTM_TRY_ASSIGN(auto authz, parse_authorization(res.json, url));
    if (authz.status == "valid") {
      progress("authorization valid for " + authz.identifier.value);
      return authz;
    }
    if (authz.status != "pending") {
      for (const auto& c : authz.challenges) {
        if (c.error) {
          last_problem_ = *c.error;
          Error e = c.error->to_error();
          e.message = "authorization " + authz.status + " (" + c.type + "): " + e.message;
          return tl::unexpected(std::move(e));
        }
      }
      return fail(Errc::untrusted,
                  "acme: authorization for " + authz.identifier.value + " is " + authz.status);
    }
    const auto wait = retry_after(res);
    const auto now = Clock::now();
    if (now + wait > deadline) {
      return fail(Errc::timeout, "acme: authorization still pending after the poll timeout");
    }
    if (on_pending) {
      on_pending(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    }
    std::this_thread::sleep_for(wait);
  }
}

Result<AcmeOrder> AcmeClient::finalize(const AcmeOrder& order, ByteView csr_der) {
  const auto deadline = Clock::now() + options_.poll_timeout;
  AcmeOrder current = order;
  // The order turns ready once every authorization is valid, perhaps a moment after.
  while (current.status == "pending") {
    if (Clock::now() > deadline) return fail(Errc::timeout, "acme: order never became ready");
    std::this_thread::sleep_for(
        std::min(options_.default_poll_interval, options_.max_poll_interval));
    ZTM_TRY_ASSIGN(current, get_order(order.url));
  }
  if (current.status == "ready") {
    progress("finalizing order with the CSR");
    const json payload = {{"csr", base64url_encode(csr_der)}};
    ZTM_TRY_ASSIGN(auto res, post(current.finalize, payload.dump()));
    ZTM_TRY_ASSIGN(current, parse_order(res.json, order.url));
    while (current.status == "processing") {
      const auto wait = retry_after(res);
      if (Clock::now() + wait > deadline)
        return fail(Errc::timeout, "acme: order still processing");
      std::this_thread::sleep_for(wait);
      ZTM_TRY_ASSIGN(res, post(order.url, ""));
      ZTM_TRY_ASSIGN(current, parse_order(res.json, order.url));
    }
  }
  if (current.status != "valid" || !current.certificate) {
    if (current.error) {
      last_problem_ = *current.error;
      return tl::unexpected(current.error->to_error());
    }
    return fail(Errc::invalid_state, "acme: order is " + current.status + ", not valid");
  }
  progress("order valid; certificate at " + *current.certificate);
  return current;
}

Result<std::string> AcmeClient::download_certificate(const std::string& url) {
  progress("downloading certificate chain");
  ZTM_TRY_ASSIGN(auto res, post(url, ""));
  if (res.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return fail(Errc::protocol_violation, "acme: certificate download is not a PEM chain");
  }
  return res.body;
}

std::string AcmeClient::key_authorization(std::string_view token) const {
  // The account key is P-256 or Ed25519 (checked in connect), so public_jwk succeeds.
  const PublicJwk jwk{account_key_.scheme(), account_key_.public_key()};
  return std::string(token) + "." + jwk_thumbprint(jwk);
}

std::string AcmeClient::dns01_txt_value(std::string_view token) const {
  return base64url_encode(crypto::hash(crypto::HashId::sha256, as_bytes(key_authorization(token))));
}

}  // namespace ztm::identity
