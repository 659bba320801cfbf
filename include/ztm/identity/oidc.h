// OpenID Connect relying party for the sso-01 challenge: the ACME server is the
// OIDC client of the organization's IdP (OpenID Connect Core 1.0, authorization code
// flow §3.1, with PKCE, RFC 7636). Any stock IdP works: the server discovers its
// endpoints (OpenID Connect Discovery 1.0 §4), sends the user agent to the
// authorization endpoint, exchanges the code at the token endpoint
// (client_secret_post) and verifies the ID token (Core §3.1.3.7) against the IdP's
// JWKS: signature (RS256 or ES256 only), iss, aud/azp, nonce, exp and iat with a
// small clock skew, and email_verified.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::identity {

// OidcClientConfig is what the ACME server is registered at the IdP with.
struct OidcClientConfig {
  std::string issuer;  // exactly as the IdP's "iss" (no trailing slash added or removed)
  std::string client_id;
  SecretBytes client_secret;   // sent only to the token endpoint, never logged
  std::string redirect_uri;    // the ACME server's callback URL
  std::string ca_bundle_file;  // trust anchors for an https IdP (empty: system store)
  std::chrono::seconds max_clock_skew{60};
  std::chrono::milliseconds timeout{10'000};
};

// OidcProviderMetadata holds the discovered endpoints we use.
struct OidcProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

// kMaxJwksKeys bounds the keys we read from one JWKS.
inline constexpr std::size_t kMaxJwksKeys = 32;

// Jwks is a parsed JSON Web Key Set (RFC 7517 §5) holding the signature keys we can
// use: RSA (2048 bits or more) and EC P-256. Other keys are skipped, not errors.
class Jwks {
 public:
  // parse reads a JWKS document; invalid_encoding when it is not a JWKS at all.
  static Result<Jwks> parse(std::string_view json);
  Jwks();
  ~Jwks();
  Jwks(Jwks&&) noexcept;
  Jwks& operator=(Jwks&&) noexcept;

  // size is the number of usable keys.
  std::size_t size() const;

  // verify_jws_compact checks a compact JWS (header.payload.signature) against the
  // key named by its "kid" (or, without kid, the one key of the right type), for
  // alg RS256 or ES256 only. Returns the decoded payload. unknown_key when no key
  // matches (the caller may refresh the JWKS once), unsupported for another alg,
  // authentication_failed for a bad signature.
  Result<std::string> verify_jws_compact(std::string_view jws) const;

 private:
  struct Key;
  std::vector<Key> keys_;
};

// IdTokenExpectations are what the ID token must say.
struct IdTokenExpectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  std::int64_t now_unix = 0;
  std::chrono::seconds max_clock_skew{60};
};

// IdTokenClaims are the verified claims of an ID token.
struct IdTokenClaims {
  std::string issuer;
  std::string subject;
  std::string email;  // present and email_verified was true
  std::int64_t expires_unix = 0;
  std::int64_t issued_at_unix = 0;
};

// verify_id_token verifies an ID token (OpenID Connect Core §3.1.3.7): signature
// under jwks, iss == expected issuer, aud contains client_id (and azp == client_id
// when there are several audiences), nonce equal, exp in the future and iat not in
// the future (each within max_clock_skew), an "email" claim with email_verified
// true. Each failure is authentication_failed (signature) or untrusted (claims) with
// the rule in the message.
Result<IdTokenClaims> verify_id_token(std::string_view id_token, const Jwks& jwks,
                                      const IdTokenExpectations& expected);

// Pkce is a PKCE pair (RFC 7636 §4.1–4.2): a 43-character verifier from 32 random
// bytes, and its S256 challenge.
struct Pkce {
  std::string verifier;
  std::string challenge;
};
Pkce make_pkce();
// pkce_s256 computes the S256 challenge of a verifier.
std::string pkce_s256(std::string_view verifier);

// OidcRelyingParty talks to one IdP. Thread-safe: the JWKS is refreshed under a lock.
class OidcRelyingParty {
 public:
  // discover fetches the IdP's metadata and JWKS. The metadata's "issuer" must equal
  // config.issuer (Discovery §4.3).
  static Result<std::unique_ptr<OidcRelyingParty>> discover(OidcClientConfig config);

  const OidcProviderMetadata& metadata() const { return metadata_; }
  const OidcClientConfig& config() const { return config_; }

  // authorization_url is where the user agent goes (Core §3.1.2.1): response_type
  // code, scope "openid email", state, nonce, S256 code_challenge, prompt=login (a
  // fresh login, so an IdP session cannot validate a challenge unnoticed), and the
  // email as login_hint.
  std::string authorization_url(std::string_view state, std::string_view nonce,
                                std::string_view code_challenge, std::string_view login_hint) const;

  // exchange_code redeems an authorization code at the token endpoint (Core
  // §3.1.3.1, client_secret_post, with the PKCE verifier) and returns the ID token.
  Result<std::string> exchange_code(std::string_view code, std::string_view code_verifier) const;

  // verify verifies an ID token for this client and nonce at now_unix, refetching the
  // JWKS once if the token's key is unknown (the IdP rotated keys).
  Result<IdTokenClaims> verify(std::string_view id_token, std::string_view nonce,
                               std::int64_t now_unix);

 private:
  OidcRelyingParty(OidcClientConfig config, OidcProviderMetadata metadata, Jwks jwks);
  Result<Jwks> fetch_jwks() const;
  OidcClientConfig config_;
  OidcProviderMetadata metadata_;
  std::mutex jwks_mutex_;
  Jwks jwks_;
};

}  // namespace ztm::identity
