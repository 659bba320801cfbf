// Challenges for "email" identifiers (RFC 8823's identifier type) on ztmeet's ACME
// CA, following the shape of draft-biggs-acme-sso (expired; the exact fields are
// ztmeet's own, specified in docs/identity.md):
//
// sso-01 — the organization's SSO vouches for the email. The challenge object is
//   {"type": "sso-01", "url": <challenge URL>, "status": ..., "token": ...,
//    "sso_url": <URL on the ACME server>}.
//   The ACME client POSTs {} to "url" (status becomes "processing") and has the
//   user's browser open "sso_url". The ACME server, an OIDC relying party, sends the
//   browser to the IdP (code flow + PKCE, state, nonce, prompt=login), takes the
//   code at <base>/sso/callback, verifies the ID token and compares its verified
//   "email" with the identifier. Then the challenge is valid (or invalid, with a
//   problem document saying why).
//
// provider-01 — the provider's low-assurance CA. The meeting service, after the
//   user authenticated to it, signs a short-lived token binding the email to the
//   user's ACME account key; the ACME client POSTs {"token": <that JWS>} to the
//   challenge URL and the CA checks it at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::identity {

inline constexpr std::string_view kSso01 = "sso-01";
inline constexpr std::string_view kProvider01 = "provider-01";

// SsoChallengeObject is what an ACME client reads from an sso-01 challenge.
struct SsoChallengeObject {
  std::string url;      // the ACME challenge URL (POST {} to it)
  std::string sso_url;  // the URL the user's browser opens
  std::string status;
};

// parse_sso_challenge reads an sso-01 challenge object (invalid_encoding when a
// field is missing or the type is not sso-01).
Result<SsoChallengeObject> parse_sso_challenge(const nlohmann::json& challenge);

// ProviderTokenClaims are the claims of a provider-01 token: a compact JWS, alg
// HS256, whose payload is {"iss", "email", "jkt", "iat", "exp"}; "jkt" is the RFC
// 7638 thumbprint of the ACME account key the email may be certified for.
struct ProviderTokenClaims {
  std::string issuer;
  std::string email;
  std::string account_thumbprint;
  std::int64_t issued_at_unix = 0;
  std::int64_t expires_unix = 0;
};

// make_provider_token is the meeting service's side: sign claims with the key it
// shares with the provider CA.
std::string make_provider_token(const ProviderTokenClaims& claims, const SecretBytes& hmac_key);

// verify_provider_token is the CA's side: HS256 under hmac_key (constant-time), iss
// equal to issuer, exp after now, iat not after now, and a lifetime (exp - iat) at
// most max_age. Returns the claims; authentication_failed for a bad MAC, untrusted
// or expired for the claims.
Result<ProviderTokenClaims> verify_provider_token(std::string_view token,
                                                  const SecretBytes& hmac_key,
                                                  std::string_view issuer, std::int64_t now_unix,
                                                  std::chrono::seconds max_age);

}  // namespace ztm::identity
