// The HTTP side of the OIDC relying party: discovery, JWKS fetch, the
// authorization URL and the code exchange.
#include <nlohmann/json.hpp>

#include "internal/c_form.h"
#include "ztm/http/client.h"
#include "ztm/identity/oidc.h"

namespace ztm::identity {

using json = nlohmann::json;

namespace {

// kMaxOidcDocumentBytes bounds the discovery document, JWKS and token response.
constexpr std::size_t kMaxOidcDocumentBytes = 256 * 1024;

http::ClientOptions client_options(const OidcClientConfig& config) {
  http::ClientOptions options;
  options.ca_bundle_file = config.ca_bundle_file;
  options.timeout = config.timeout;
  options.max_response_body_bytes = kMaxOidcDocumentBytes;
  return options;
}

Result<json> get_json(const OidcClientConfig& config, const std::string& url) {
  ZTM_TRY_ASSIGN(auto response, http::request("GET", url, {{"Accept", "application/json"}}, "",
                                              client_options(config)));
  if (response.status != 200) {
    return fail(Errc::io_error,
                "OIDC: GET " + url + " answered " + std::to_string(response.status));
  }
  json doc = json::parse(response.body, nullptr, false);
  if (!doc.is_object()) return fail(Errc::invalid_encoding, "OIDC: " + url + " is not JSON");
  return doc;
}

std::string string_member(const json& doc, const char* name) {
  return doc.contains(name) && doc[name].is_string() ? doc[name].get<std::string>() : std::string();
}

}  // namespace

OidcRelyingParty::OidcRelyingParty(OidcClientConfig config, OidcProviderMetadata metadata,
                                   Jwks jwks)
    : config_(std::move(config)), metadata_(std::move(metadata)), jwks_(std::move(jwks)) {}

Result<std::unique_ptr<OidcRelyingParty>> OidcRelyingParty::discover(OidcClientConfig config) {
  if (config.issuer.empty() || config.client_id.empty() || config.redirect_uri.empty()) {
    return fail(Errc::invalid_argument, "OIDC: issuer, client id and redirect URI are required");
  }
  std::string base = config.issuer;
  if (!base.empty() && base.back() == '/') base.pop_back();
  ZTM_TRY_ASSIGN(json doc, get_json(config, base + "/.well-known/openid-configuration"));
  OidcProviderMetadata metadata{
      string_member(doc, "issuer"), string_member(doc, "authorization_endpoint"),
      string_member(doc, "token_endpoint"), string_member(doc, "jwks_uri")};
  // Discovery §4.3: the issuer in the document must be exactly the one we asked.
  if (metadata.issuer != config.issuer) {
    return fail(Errc::untrusted, "OIDC: discovery issuer " + metadata.issuer +
                                     " differs from the configured " + config.issuer);
  }
  if (metadata.authorization_endpoint.empty() || metadata.token_endpoint.empty() ||
      metadata.jwks_uri.empty()) {
    return fail(Errc::invalid_encoding, "OIDC: discovery document lacks an endpoint");
  }
  std::unique_ptr<OidcRelyingParty> rp(
      new OidcRelyingParty(std::move(config), std::move(metadata), Jwks()));
  ZTM_TRY_ASSIGN(rp->jwks_, rp->fetch_jwks());
  return rp;
}

Result<Jwks> OidcRelyingParty::fetch_jwks() const {
  ZTM_TRY_ASSIGN(json doc, get_json(config_, metadata_.jwks_uri));
  return Jwks::parse(doc.dump());
}

std::string OidcRelyingParty::authorization_url(std::string_view state, std::string_view nonce,
                                                std::string_view code_challenge,
                                                std::string_view login_hint) const {
  std::string url = metadata_.authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += internal::form_encode({{"response_type", "code"},
                                {"client_id", config_.client_id},
                                {"redirect_uri", config_.redirect_uri},
                                {"scope", "openid email"},
                                {"state", std::string(state)},
                                {"nonce", std::string(nonce)},
                                {"code_challenge", std::string(code_challenge)},
                                {"code_challenge_method", "S256"},
                                {"prompt", "login consent"},
                                {"login_hint", std::string(login_hint)}});
  return url;
}

Result<std::string> OidcRelyingParty::exchange_code(std::string_view code,
                                                    std::string_view code_verifier) const {
  const auto secret = config_.client_secret.expose();
  std::string body =
      internal::form_encode({{"grant_type", "authorization_code"},
                             {"code", std::string(code)},
                             {"redirect_uri", config_.redirect_uri},
                             {"code_verifier", std::string(code_verifier)},
                             {"client_id", config_.client_id},
                             {"client_secret", std::string(secret.begin(), secret.end())}});
  auto response = http::request(
      "POST", metadata_.token_endpoint,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}}, body,
      client_options(config_));
  secure_zero(body.data(), body.size());
  if (!response) return tl::unexpected(response.error());
  json doc = json::parse(response->body, nullptr, false);
  if (response->status != 200 || !doc.is_object()) {
    // The token endpoint's error (RFC 6749 §5.2) names the problem; it holds no secret.
    std::string error = doc.is_object() ? string_member(doc, "error") : std::string();
    return fail(Errc::authentication_failed, "OIDC: token endpoint refused the code (" +
                                                 std::to_string(response->status) +
                                                 (error.empty() ? "" : ", " + error) + ")");
  }
  std::string id_token = string_member(doc, "id_token");
  if (id_token.empty()) return fail(Errc::invalid_encoding, "OIDC: token response has no id_token");
  return id_token;
}

Result<IdTokenClaims> OidcRelyingParty::verify(std::string_view id_token, std::string_view nonce,
                                               std::int64_t now_unix) {
  IdTokenExpectations expected{config_.issuer, config_.client_id, std::string(nonce), now_unix,
                               config_.max_clock_skew};
  std::lock_guard lock(jwks_mutex_);
  auto claims = verify_id_token(id_token, jwks_, expected);
  if (claims || claims.error().code != Errc::unknown_key) return claims;
  // The IdP may have rotated its keys since we fetched the set: refetch once.
  ZTM_TRY_ASSIGN(jwks_, fetch_jwks());
  return verify_id_token(id_token, jwks_, expected);
}

}  // namespace ztm::identity
