// AcmeServer: routing, JWS authentication (RFC 8555 §6.2–6.5), the directory,
// nonces, accounts (§7.3) and orders (§7.4). Authorizations, challenges and the
// state transitions are in acme_server_objects.cc; finalize, certificates,
// revocation and the CRL in acme_server_certs.cc.
#include "ztm/identity/acme_server.h"

#include <algorithm>
#include <chrono>

#include "internal/c_acme_server_impl.h"
#include "internal/c_form.h"
#include "internal/c_json.h"
#include "internal/c_rs256_jws.h"
#include "ztm/crypto/random.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {

using internal::Outcome;
using internal::Problem;
using internal::problem;
using json = nlohmann::json;

namespace {

// kMaxContacts bounds an account's contact list.
constexpr std::size_t kMaxContacts = 4;
// kMaxOrdersListed bounds the orders list of an account (§7.1.2.1 allows paging;
// we list the first ones only).
constexpr int kMaxOrdersListed = 100;

// strip_prefix returns the rest of path after prefix, or nullopt.
std::optional<std::string> strip_prefix(const std::string& path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  std::string rest = path.substr(prefix.size());
  if (rest.find('/') != std::string::npos) return std::nullopt;
  return rest;
}

Outcome<AcmeIdentifier> check_identifier(const json& id, const AcmeServerOptions& options,
                                         bool email_supported) {
  if (!id.is_object() || !id.contains("type") || !id.contains("value") || !id["type"].is_string() ||
      !id["value"].is_string()) {
    return problem(400, "malformed", "an identifier needs string \"type\" and \"value\"");
  }
  AcmeIdentifier out{id["type"].get<std::string>(), id["value"].get<std::string>()};
  if (out.type == "dns") {
    std::transform(out.value.begin(), out.value.end(), out.value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!is_valid_domain_name(out.value)) {
      return problem(400, "rejectedIdentifier",
                     "\"" + out.value + "\" is not a DNS name this CA issues for (no wildcards)");
    }
    bool in_scope = options.dns_domains.empty();
    for (const auto& d : options.dns_domains) in_scope |= domain_in_scope(out.value, d);
    if (!in_scope) {
      return problem(400, "rejectedIdentifier", out.value + " is outside this CA's domains");
    }
    return out;
  }
  if (out.type == "email") {
    if (!email_supported) {
      return problem(400, "unsupportedIdentifier",
                     "this CA validates email identifiers only with sso-01 or provider-01, "
                     "and neither is configured");
    }
    // The domain part is case-insensitive (RFC 5321 §2.4); the local part is kept.
    auto at = out.value.rfind('@');
    if (at != std::string::npos) {
      std::transform(out.value.begin() + static_cast<std::ptrdiff_t>(at), out.value.end(),
                     out.value.begin() + static_cast<std::ptrdiff_t>(at),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    auto domain = identity_domain(Identity::user(out.value));
    if (!domain) return problem(400, "rejectedIdentifier", domain.error().message);
    bool in_scope = options.email_domains.empty();
    for (const auto& d : options.email_domains) in_scope |= domain_in_scope(*domain, d);
    if (!in_scope) {
      return problem(400, "rejectedIdentifier", out.value + " is outside this CA's domains");
    }
    return out;
  }
  return problem(400, "unsupportedIdentifier", "identifier type \"" + out.type + "\"");
}

}  // namespace

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string key_authorization(const std::string& token, const AccountRecord& account) {
  return token + "." + account.thumbprint;
}

http::Response AcmeServer::Impl::finish(http::Response response) {
  response.headers.set("Replay-Nonce", nonces.issue());
  response.headers.add("Link", "<" + url("/acme/directory") + ">;rel=\"index\"");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

http::Response AcmeServer::Impl::respond(const Outcome<http::Response>& outcome) {
  if (outcome) return finish(*outcome);
  return finish(internal::problem_response(outcome.error()));
}

Outcome<AuthenticatedRequest> AcmeServer::Impl::authenticate(const http::Request& request,
                                                             bool allow_jwk, bool require_jwk) {
  auto content_type = request.headers.get("Content-Type").value_or("");
  if (content_type.rfind("application/jose+json", 0) != 0) {
    return problem(415, "malformed", "Content-Type must be application/jose+json (§6.2)");
  }
  // ES256/EdDSA through jws.h; RS256 (certbot's and lego's RSA account keys)
  // through c_rs256_jws with the same rules.
  auto parsed = parse_jws(request.body);
  std::optional<internal::Rs256Jws> rsa;
  if (!parsed) {
    if (parsed.error().code != Errc::unsupported ||
        internal::protected_alg(request.body) != "RS256") {
      return tl::unexpected(internal::problem_for_jws(parsed.error()));
    }
    auto r = internal::parse_rs256_jws(request.body);
    if (!r) return tl::unexpected(internal::problem_for_jws(r.error()));
    rsa = std::move(*r);
  }
  const std::string& jws_url = rsa ? rsa->url : parsed->url;
  const std::optional<std::string>& nonce = rsa ? rsa->nonce : parsed->nonce;
  const std::optional<std::string>& kid = rsa ? rsa->kid : parsed->kid;
  const bool has_jwk = rsa ? rsa->jwk.has_value() : parsed->jwk.has_value();
  // §6.4: the "url" header must be the URL this request was sent to.
  auto [path, query] = internal::split_target(request.target);
  if (jws_url != url(path)) {
    return problem(403, "unauthorized", "the JWS \"url\" is not this resource's URL");
  }
  // §6.5: each nonce is good for one request.
  if (!nonce || !nonces.consume(*nonce)) {
    return problem(400, "badNonce", "the nonce is unknown or was used before");
  }
  AuthenticatedRequest out;
  if (has_jwk) {
    if (!allow_jwk) {
      return problem(400, "malformed", "this resource needs \"kid\", not \"jwk\" (§6.2)");
    }
    if (rsa) {
      out.key_jwk = *rsa->jwk;
      out.key_thumbprint = internal::rsa_jwk_thumbprint(out.key_jwk);
    } else {
      out.key = *parsed->jwk;
      out.key_jwk = jwk_to_json(*out.key);
      out.key_thumbprint = jwk_thumbprint(*out.key);
    }
  } else {
    if (require_jwk) return problem(400, "malformed", "newAccount needs \"jwk\" (§7.3)");
    auto id = strip_prefix(*kid, url("/acme/acct/"));
    auto record = id ? store->account(*id) : Result<std::optional<AccountRecord>>{};
    if (!record) return tl::unexpected(internal::internal_problem(record.error()));
    if (!*record) return problem(400, "accountDoesNotExist", "no account at the JWS \"kid\"");
    if ((*record)->status != "valid") {
      return problem(403, "unauthorized", "the account is " + (*record)->status);
    }
    out.key_jwk = json::parse((*record)->jwk_json, nullptr, false);
    out.key_thumbprint = (*record)->thumbprint;
    if (internal::json_string_or(out.key_jwk, "kty") != "RSA") {
      auto key = parse_jwk(out.key_jwk);
      if (!key) return tl::unexpected(internal::internal_problem(key.error()));
      out.key = *key;
    }
    out.account = std::move(**record);
  }
  std::string payload;
  if (rsa) {
    if (out.key) return problem(403, "unauthorized", "RS256 signature, but the key is not RSA");
    auto verified = internal::verify_rs256(*rsa, out.key_jwk);
    if (!verified) return tl::unexpected(internal::problem_for_jws(verified.error()));
    payload = std::move(rsa->payload);
  } else {
    if (!out.key) return problem(403, "unauthorized", "the account key is RSA: sign with RS256");
    auto verified = verify_jws(std::move(*parsed), *out.key);
    if (!verified) return tl::unexpected(internal::problem_for_jws(verified.error()));
    payload = verified->jws().payload;
  }
  out.post_as_get = payload.empty();
  if (!out.post_as_get) {
    out.payload = json::parse(payload, nullptr, false);
    if (!out.payload.is_object()) {
      return problem(400, "malformed", "the payload is not a JSON object");
    }
  }
  return out;
}

Outcome<http::Response> AcmeServer::Impl::directory() {
  json dir = {{"newNonce", url("/acme/new-nonce")},
              {"newAccount", url("/acme/new-account")},
              {"newOrder", url("/acme/new-order")},
              {"revokeCert", url("/acme/revoke-cert")},
              {"keyChange", url("/acme/key-change")},
              {"meta",
               {{"externalAccountRequired", false},
                {"website", url("/")},
                {"profiles",
                 {{"ztmeet", "short-lived ztmeet identity certificates (docs/identity.md)"}}}}}};
  return internal::json_response(200, dir);
}

Outcome<http::Response> AcmeServer::Impl::new_account(const http::Request& request) {
  auto auth = authenticate(request, /*allow_jwk=*/true, /*require_jwk=*/true);
  if (!auth) return tl::unexpected(auth.error());
  const std::string thumbprint = auth->key_thumbprint;
  auto existing = store->account_by_thumbprint(thumbprint);
  if (!existing) return tl::unexpected(internal::internal_problem(existing.error()));
  if (*existing) {
    // §7.3.1: an existing key answers 200 with the account's URL.
    auto r = internal::json_response(200, account_json(**existing));
    r.headers.set("Location", account_url((*existing)->id));
    return r;
  }
  const json& payload = auth->payload;
  if (payload.is_object() && payload.contains("onlyReturnExisting") &&
      !payload["onlyReturnExisting"].is_boolean()) {
    return problem(400, "malformed", "\"onlyReturnExisting\" must be a boolean");
  }
  if (payload.is_object() && payload.value("onlyReturnExisting", false)) {
    return problem(400, "accountDoesNotExist", "no account for this key");
  }
  json contact = json::array();
  if (payload.is_object() && payload.contains("contact")) {
    if (!payload["contact"].is_array() || payload["contact"].size() > kMaxContacts) {
      return problem(400, "malformed", "\"contact\" must be an array of at most 4 URLs");
    }
    for (const auto& c : payload["contact"]) {
      if (!c.is_string() || c.get<std::string>().rfind("mailto:", 0) != 0) {
        return problem(400, "unsupportedContact", "only mailto: contacts are supported");
      }
      contact.push_back(c);
    }
  }
  AccountRecord account{
      AcmeStore::new_id(), auth->key_jwk.dump(), thumbprint, "valid", contact.dump(), now_unix()};
  if (auto r = store->insert_account(account); !r) {
    return tl::unexpected(internal::internal_problem(r.error()));
  }
  auto r = internal::json_response(201, account_json(account));
  r.headers.set("Location", account_url(account.id));
  return r;
}

Outcome<http::Response> AcmeServer::Impl::account(const http::Request& request,
                                                  const std::string& id) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  const bool orders_list = id.size() > 7 && id.compare(id.size() - 7, 7, "/orders") == 0;
  const std::string account_id = orders_list ? id.substr(0, id.size() - 7) : id;
  if (auth->account->id != account_id) {
    return problem(403, "unauthorized", "this is not your account");
  }
  AccountRecord account = *auth->account;
  if (orders_list) {
    auto ids = store->order_ids_of(account.id, kMaxOrdersListed);
    if (!ids) return tl::unexpected(internal::internal_problem(ids.error()));
    json orders = json::array();
    for (const auto& o : *ids) orders.push_back(order_url(o));
    return internal::json_response(200, {{"orders", orders}});
  }
  if (!auth->post_as_get) {
    // §7.3.2 update and §7.3.6 deactivation; contacts only mailto:.
    const json& p = auth->payload;
    if (p.contains("status")) {
      if (p["status"] != "deactivated") {
        return problem(400, "malformed", "an account can only be set to \"deactivated\"");
      }
      account.status = "deactivated";
    }
    if (p.contains("contact")) {
      if (!p["contact"].is_array() || p["contact"].size() > kMaxContacts) {
        return problem(400, "malformed", "\"contact\" must be an array of at most 4 URLs");
      }
      for (const auto& c : p["contact"]) {
        if (!c.is_string() || c.get<std::string>().rfind("mailto:", 0) != 0) {
          return problem(400, "unsupportedContact", "only mailto: contacts are supported");
        }
      }
      account.contact_json = p["contact"].dump();
    }
    if (auto r = store->update_account(account); !r) {
      return tl::unexpected(internal::internal_problem(r.error()));
    }
  }
  return internal::json_response(200, account_json(account));
}

Outcome<http::Response> AcmeServer::Impl::new_order(const http::Request& request) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  const json& p = auth->payload;
  if (!p.is_object() || !p.contains("identifiers") || !p["identifiers"].is_array()) {
    return problem(400, "malformed", "newOrder needs an \"identifiers\" array");
  }
  if (p.contains("notBefore") || p.contains("notAfter")) {
    return problem(400, "malformed",
                   "notBefore/notAfter are not supported: certificates are issued for the "
                   "CA's configured lifetime");
  }
  // A ztmeet certificate names exactly one identity (profile.h: one SAN), so an
  // order holds exactly one identifier.
  if (p["identifiers"].size() != 1) {
    return problem(400, "rejectedIdentifier",
                   "an order must have exactly one identifier (ztmeet certificates name one "
                   "identity)");
  }
  const bool email_supported = options.oidc.has_value() || options.provider.has_value();
  auto identifier = check_identifier(p["identifiers"][0], options, email_supported);
  if (!identifier) return tl::unexpected(identifier.error());

  const std::int64_t now = now_unix();
  OrderRecord order{
      AcmeStore::new_id(), auth->account->id, "pending",   now + options.order_lifetime.count(),
      {*identifier},       std::nullopt,      std::nullopt};
  AuthorizationRecord authz{AcmeStore::new_id(), order.id,  order.account_id,
                            *identifier,         "pending", order.expires_unix};
  std::vector<ChallengeRecord> challenges;
  auto add = [&](const char* type) {
    challenges.push_back(ChallengeRecord{AcmeStore::new_id(), authz.id, type,
                                         base64url_encode(crypto::random_bytes(16)), "pending", 0,
                                         std::nullopt});
  };
  if (identifier->type == "dns") {
    add("http-01");
    add("dns-01");
  } else {
    if (options.oidc) add("sso-01");
    if (options.provider) add("provider-01");
  }
  if (auto r = store->insert_order(order, {authz}, challenges); !r) {
    return tl::unexpected(internal::internal_problem(r.error()));
  }
  return order_response(201, order, true);
}

Outcome<http::Response> AcmeServer::Impl::order(const http::Request& request,
                                                const std::string& id) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  auto record = store->order(id);
  if (!record) return tl::unexpected(internal::internal_problem(record.error()));
  if (!*record || (*record)->account_id != auth->account->id) {
    return problem(404, "malformed", "no such order");
  }
  auto refreshed = refresh_order(std::move(**record));
  if (!refreshed) return tl::unexpected(internal::internal_problem(refreshed.error()));
  return order_response(200, *refreshed, false);
}

AcmeServer::AcmeServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AcmeServer::~AcmeServer() {
  // Stop the worker before the state it uses goes away.
  impl_->validations.reset();
}

Result<std::unique_ptr<AcmeServer>> AcmeServer::create(CertificateAuthority ca,
                                                       std::unique_ptr<AcmeStore> store,
                                                       AcmeServerOptions options) {
  if (options.base_url.empty()) return fail(Errc::invalid_argument, "ACME base URL is unset");
  if (options.oidc && options.oidc->redirect_uri.empty()) {
    options.oidc->redirect_uri = options.base_url + "/sso/callback";
  }
  if (options.provider && options.provider->hmac_key.size() < 32) {
    return fail(Errc::invalid_key, "provider token key must be at least 32 bytes");
  }
  auto impl = std::make_unique<Impl>(std::move(ca), std::move(store), std::move(options));
  impl->validations = std::make_unique<ValidationQueue>(*impl);
  return std::unique_ptr<AcmeServer>(new AcmeServer(std::move(impl)));
}

std::string AcmeServer::directory_url() const {
  return impl_->url("/acme/directory");
}

std::string AcmeServer::crl_url() const {
  return impl_->options.crl_url;
}

const CertificateAuthority& AcmeServer::ca() const {
  return impl_->ca;
}

AcmeStore& AcmeServer::store() {
  return *impl_->store;
}

http::Response AcmeServer::handle(const http::Request& request) {
  Impl& s = *impl_;
  auto [path, query] = internal::split_target(request.target);
  const std::string& method = request.method;
  if (path == "/acme/directory" || path == "/directory") {
    if (method != "GET") return s.respond(problem(405, "malformed", "use GET"));
    return s.respond(s.directory());
  }
  if (path == "/acme/new-nonce") {
    // §7.2: HEAD answers 200, GET 204, both with a fresh Replay-Nonce.
    http::Response r;
    r.status = method == "HEAD" ? 200 : 204;
    if (method != "HEAD" && method != "GET")
      return s.respond(problem(405, "malformed", "use HEAD"));
    return s.finish(std::move(r));
  }
  if (path == "/sso/callback" && method == "GET") return s.sso_callback(request);
  if (auto id = strip_prefix(path, "/sso/"); id && method == "GET") {
    return s.sso_start(request, *id);
  }
  if ((path == "/crl" || path == "/ca.pem") && method == "GET") return handle_crl(request);
  if (method != "POST") {
    return s.respond(problem(405, "malformed", "ACME resources take POST (§6.3)"));
  }
  if (path == "/acme/new-account") return s.respond(s.new_account(request));
  if (path == "/acme/new-order") return s.respond(s.new_order(request));
  if (path == "/acme/revoke-cert") return s.respond(s.revoke(request));
  if (path == "/acme/key-change") return s.respond(s.key_change(request));
  if (auto id = strip_prefix(path, "/acme/acct/")) return s.respond(s.account(request, *id));
  if (path.rfind("/acme/acct/", 0) == 0 && path.size() > 18 &&
      path.compare(path.size() - 7, 7, "/orders") == 0) {
    return s.respond(s.account(request, path.substr(11)));
  }
  if (auto id = strip_prefix(path, "/acme/order/")) return s.respond(s.order(request, *id));
  if (path.rfind("/acme/order/", 0) == 0 && path.size() > 21 &&
      path.compare(path.size() - 9, 9, "/finalize") == 0) {
    std::string id = path.substr(12, path.size() - 12 - 9);
    if (id.find('/') == std::string::npos) return s.respond(s.finalize(request, id));
  }
  if (auto id = strip_prefix(path, "/acme/authz/")) return s.respond(s.authorization(request, *id));
  if (auto id = strip_prefix(path, "/acme/chall/")) return s.respond(s.challenge(request, *id));
  if (auto id = strip_prefix(path, "/acme/cert/")) return s.respond(s.certificate(request, *id));
  return s.respond(problem(404, "malformed", "no such resource"));
}

}  // namespace ztm::identity
