// sso-01 on the ACME server: the user agent's GET of sso_url (redirect to the IdP)
// and of /sso/callback (code exchange, ID token checks, challenge result). See
// ztm/identity/sso_challenge.h and docs/identity.md.
#include "ztm/identity/sso_challenge.h"

#include <algorithm>

#include "internal/c_acme_server_impl.h"
#include "internal/c_form.h"
#include "internal/c_json.h"
#include "ztm/crypto/random.h"

namespace ztm::identity {

using internal::Problem;

namespace {

// kSsoLoginLifetime bounds the time between opening sso_url and the callback.
constexpr std::int64_t kSsoLoginLifetimeSeconds = 600;

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// page is the small HTML answer the user sees in the browser.
http::Response page(int status, std::string_view title, std::string_view message) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.headers.set("Cache-Control", "no-store");
  r.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
           "</title></head><body><h1>" + html_escape(title) + "</h1><p>" + html_escape(message) +
           "</p></body></html>\n";
  return r;
}

// cookie_present says whether the request carries the cookie name=value.
bool cookie_present(const http::Request& request, const std::string& name,
                    const std::string& value) {
  const std::string wanted = name + "=" + value;
  for (const auto& header : request.headers.get_all("Cookie")) {
    std::string_view rest = header;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair == wanted) return true;
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return false;
}

std::string normalize_email(std::string email) {
  auto at = email.rfind('@');
  if (at != std::string::npos) {
    std::transform(email.begin() + static_cast<std::ptrdiff_t>(at), email.end(),
                   email.begin() + static_cast<std::ptrdiff_t>(at),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return email;
}

}  // namespace

Result<SsoChallengeObject> parse_sso_challenge(const nlohmann::json& c) {
  if (!c.is_object() || internal::json_string_or(c, "type") != kSso01 || !c.contains("url") ||
      !c["url"].is_string() || !c.contains("sso_url") || !c["sso_url"].is_string()) {
    return fail(Errc::invalid_encoding, "not an sso-01 challenge object");
  }
  return SsoChallengeObject{c["url"].get<std::string>(), c["sso_url"].get<std::string>(),
                            internal::json_string_or(c, "status")};
}

Result<std::shared_ptr<OidcRelyingParty>> AcmeServer::Impl::relying_party() {
  std::lock_guard lock(oidc_mutex);
  if (oidc_rp) return oidc_rp;
  if (!options.oidc) return fail(Errc::invalid_state, "sso-01 is not configured");
  ZTM_TRY_ASSIGN(auto rp, OidcRelyingParty::discover(*options.oidc));
  oidc_rp = std::move(rp);
  return oidc_rp;
}

http::Response AcmeServer::Impl::sso_start(const http::Request& request,
                                           const std::string& challenge_id) {
  (void)request;
  auto challenge = store->challenge(challenge_id);
  if (!challenge || !*challenge || (*challenge)->type != kSso01) {
    return page(404, "Unknown login", "This sign-in link is not valid.");
  }
  if ((*challenge)->status != "pending" && (*challenge)->status != "processing") {
    return page(409, "Sign-in finished", "This sign-in link was already used.");
  }
  auto authz = store->authorization((*challenge)->authz_id);
  if (!authz || !*authz) return page(404, "Unknown login", "This sign-in link is not valid.");
  auto fresh = refresh_authorization(**authz);
  if (!fresh || fresh->status != "pending") {
    return page(409, "Sign-in expired", "This certificate request is no longer pending.");
  }
  auto rp = relying_party();
  if (!rp) {
    return page(502, "Identity provider unavailable",
                "The organization's sign-in service cannot be reached; try again later.");
  }
  SsoLogin login{base64url_encode(crypto::random_bytes(16)), challenge_id,
                 base64url_encode(crypto::random_bytes(16)), "", now_unix()};
  Pkce pkce = make_pkce();
  login.code_verifier = pkce.verifier;
  if (!store->insert_sso_login(login)) {
    return page(500, "Sign-in failed", "The CA could not start the sign-in.");
  }
  http::Response r;
  r.status = 303;
  r.headers.set("Location", (*rp)->authorization_url(login.state, login.nonce, pkce.challenge,
                                                     fresh->identifier.value));
  // The callback must come back to the browser that started the login: a state
  // alone could be forwarded to someone else (docs/identity.md, sso-01 security).
  r.headers.set("Set-Cookie", "ztm_sso_" + login.state +
                                  "=1; Path=/sso; Max-Age=600; Secure; HttpOnly; SameSite=Lax");
  r.headers.set("Cache-Control", "no-store");
  return r;
}

http::Response AcmeServer::Impl::sso_callback(const http::Request& request) {
  auto [path, query_text] = internal::split_target(request.target);
  auto query = internal::parse_query(query_text);
  auto login = store->take_sso_login(query["state"]);
  if (!login || !*login) {
    return page(400, "Sign-in failed", "Unknown or already used sign-in state.");
  }
  if (!cookie_present(request, "ztm_sso_" + (*login)->state, "1")) {
    return page(403, "Sign-in failed",
                "This sign-in was started in another browser; open the sign-in link again.");
  }
  const std::int64_t now = now_unix();
  auto challenge = store->challenge((*login)->challenge_id);
  if (!challenge || !*challenge) return page(404, "Sign-in failed", "Unknown challenge.");
  auto authz = store->authorization((*challenge)->authz_id);
  if (!authz || !*authz) return page(404, "Sign-in failed", "Unknown authorization.");
  auto fresh = refresh_authorization(**authz);
  if (!fresh || fresh->status != "pending" ||
      ((*challenge)->status != "pending" && (*challenge)->status != "processing")) {
    return page(409, "Sign-in expired", "This certificate request is no longer pending.");
  }
  if (now - (*login)->created_unix > kSsoLoginLifetimeSeconds) {
    return page(408, "Sign-in expired", "The sign-in took too long; open the link again.");
  }
  auto reject = [&](std::string detail) {
    (void)record_validation(**challenge, false, Problem{403, "unauthorized", detail});
    return page(403, "Sign-in refused", detail);
  };
  if (query.count("error") != 0) {
    return reject("the identity provider answered: " + query["error"]);
  }
  auto rp = relying_party();
  if (!rp) return page(502, "Identity provider unavailable", "Try again later.");
  auto id_token = (*rp)->exchange_code(query["code"], (*login)->code_verifier);
  if (!id_token) return reject("sso-01: " + id_token.error().message);
  auto claims = (*rp)->verify(*id_token, (*login)->nonce, now);
  if (!claims) return reject("sso-01: " + claims.error().message);
  if (normalize_email(claims->email) != fresh->identifier.value) {
    return reject("sso-01: the identity provider vouched for " + claims->email + ", not " +
                  fresh->identifier.value);
  }
  if (!record_validation(**challenge, true, std::nullopt)) {
    return page(500, "Sign-in failed", "The CA could not record the result.");
  }
  return page(200, "Signed in",
              "The identity provider confirmed " + fresh->identifier.value +
                  ". You can close this window; your application will fetch its certificate.");
}

}  // namespace ztm::identity
