// AcmeServer: account key rollover (RFC 8555 §7.3.5). The outer JWS is an ordinary
// request of the account (old key, "kid"); its payload is an inner JWS signed by the
// new key ("jwk", same "url", no "nonce") over {"account", "oldKey"}. Both holders
// agree, so the account's key is replaced; orders and authorizations are untouched.
#include <nlohmann/json.hpp>

#include "internal/c_acme_server_impl.h"
#include "internal/c_json.h"
#include "internal/c_rs256_jws.h"

namespace ztm::identity {

using internal::Outcome;
using internal::problem;
using json = nlohmann::json;

namespace {

// InnerJws is the verified inner JWS: its url, its payload, and the new key.
struct InnerJws {
  std::string url;
  std::string payload;
  json key_jwk;
  std::string key_thumbprint;
};

// verify_inner checks steps 2–4 of §7.3.5 and the header rules (a "jwk", no "kid",
// no "nonce"), for ES256/EdDSA keys (jws.h) and RS256 ones (c_rs256_jws).
Outcome<InnerJws> verify_inner(const json& outer_payload) {
  if (!outer_payload.is_object()) {
    return problem(400, "malformed", "keyChange: the payload must be the inner JWS object");
  }
  const std::string body = outer_payload.dump();
  InnerJws out;
  JwsLimits limits;
  limits.require_nonce = false;  // checked below: it must be absent
  auto parsed = parse_jws(body, limits);
  if (parsed) {
    if (!parsed->jwk || parsed->kid) {
      return problem(400, "malformed", "keyChange: the inner JWS must carry \"jwk\", not \"kid\"");
    }
    if (parsed->nonce) return problem(400, "malformed", "keyChange: the inner JWS has a nonce");
    const PublicJwk key = *parsed->jwk;
    out.url = parsed->url;
    auto verified = verify_jws(std::move(*parsed), key);
    if (!verified) return tl::unexpected(internal::problem_for_jws(verified.error()));
    out.payload = verified->jws().payload;
    out.key_jwk = jwk_to_json(key);
    out.key_thumbprint = jwk_thumbprint(key);
    return out;
  }
  if (parsed.error().code != Errc::unsupported || internal::protected_alg(body) != "RS256") {
    return tl::unexpected(internal::problem_for_jws(parsed.error()));
  }
  auto rsa = internal::parse_rs256_jws(body);
  if (!rsa) return tl::unexpected(internal::problem_for_jws(rsa.error()));
  if (!rsa->jwk || rsa->kid) {
    return problem(400, "malformed", "keyChange: the inner JWS must carry \"jwk\", not \"kid\"");
  }
  if (rsa->nonce) return problem(400, "malformed", "keyChange: the inner JWS has a nonce");
  if (auto verified = internal::verify_rs256(*rsa, *rsa->jwk); !verified) {
    return tl::unexpected(internal::problem_for_jws(verified.error()));
  }
  out.url = rsa->url;
  out.payload = rsa->payload;
  out.key_jwk = *rsa->jwk;
  out.key_thumbprint = internal::rsa_jwk_thumbprint(*rsa->jwk);
  return out;
}

// thumbprint_of gives the RFC 7638 thumbprint of a public JWK of either family, or
// nothing for a JWK that is not one.
std::optional<std::string> thumbprint_of(const json& jwk) {
  if (!jwk.is_object()) return std::nullopt;
  if (internal::json_string_or(jwk, "kty") == "RSA") {
    if (!jwk.contains("n") || !jwk.contains("e")) return std::nullopt;
    return internal::rsa_jwk_thumbprint(jwk);
  }
  auto key = parse_jwk(jwk);
  if (!key) return std::nullopt;
  return jwk_thumbprint(*key);
}

}  // namespace

Outcome<http::Response> AcmeServer::Impl::key_change(const http::Request& request) {
  // 1. The outer JWS: an active account, its current key.
  auto auth = authenticate(request, /*allow_jwk=*/false, /*require_jwk=*/false);
  if (!auth) return tl::unexpected(auth.error());
  if (auth->post_as_get) return problem(400, "malformed", "keyChange needs the inner JWS");
  // 2–4. The inner JWS, verified with its own key.
  auto inner = verify_inner(auth->payload);
  if (!inner) return tl::unexpected(inner.error());
  // 6. Both were made for this URL.
  if (inner->url != url("/acme/key-change")) {
    return problem(400, "malformed", "keyChange: the inner and outer \"url\" differ");
  }
  // 5. The keyChange object.
  const json change = json::parse(inner->payload, nullptr, false);
  if (!change.is_object() || !change.contains("account") || !change["account"].is_string() ||
      !change.contains("oldKey")) {
    return problem(400, "malformed",
                   "keyChange: the inner payload needs \"account\" and \"oldKey\"");
  }
  AccountRecord account = *auth->account;
  // 7. The account named is the one signing the outer JWS.
  if (change["account"].get<std::string>() != account_url(account.id)) {
    return problem(403, "unauthorized", "keyChange: \"account\" is not the account of the \"kid\"");
  }
  // 8. The old key is the account's key.
  const auto old_thumbprint = thumbprint_of(change["oldKey"]);
  if (!old_thumbprint) return problem(400, "malformed", "keyChange: \"oldKey\" is not a JWK");
  if (*old_thumbprint != account.thumbprint) {
    return problem(403, "unauthorized", "keyChange: \"oldKey\" is not the account's key");
  }
  // 9. No account has the new key already (the same key again is no change either).
  auto holder = store->account_by_thumbprint(inner->key_thumbprint);
  if (!holder) return tl::unexpected(internal::internal_problem(holder.error()));
  if (*holder) {
    internal::Problem conflict{409, "conflict", "keyChange: an account with the new key exists"};
    auto r = internal::problem_response(conflict);
    r.headers.set("Location", account_url((*holder)->id));
    return r;
  }
  account.jwk_json = inner->key_jwk.dump();
  account.thumbprint = inner->key_thumbprint;
  if (auto r = store->update_account(account); !r) {
    return tl::unexpected(internal::internal_problem(r.error()));
  }
  return internal::json_response(200, account_json(account));
}

}  // namespace ztm::identity
