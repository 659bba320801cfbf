// provider-01: the provider CA's email validation by a token from the meeting
// service (ztm/identity/sso_challenge.h, docs/identity.md "Provider mode").
#include <nlohmann/json.hpp>

#include "internal/c_acme_server_impl.h"
#include "internal/c_json.h"
#include "ztm/crypto/hash.h"
#include "ztm/identity/sso_challenge.h"

namespace ztm::identity {

using internal::Outcome;
using internal::problem;
using json = nlohmann::json;

namespace {

// kMaxProviderTokenBytes bounds the token we look at.
constexpr std::size_t kMaxProviderTokenBytes = 4096;

std::string b64_json(const json& j) {
  return base64url_encode(as_bytes(j.dump()));
}

}  // namespace

std::string make_provider_token(const ProviderTokenClaims& claims, const SecretBytes& hmac_key) {
  std::string input = b64_json({{"alg", "HS256"}, {"typ", "JWT"}}) + "." +
                      b64_json({{"iss", claims.issuer},
                                {"email", claims.email},
                                {"jkt", claims.account_thumbprint},
                                {"iat", claims.issued_at_unix},
                                {"exp", claims.expires_unix}});
  Bytes mac = crypto::hmac(crypto::HashId::sha256, hmac_key.expose(), as_bytes(input));
  return input + "." + base64url_encode(mac);
}

Result<ProviderTokenClaims> verify_provider_token(std::string_view token,
                                                  const SecretBytes& hmac_key,
                                                  std::string_view issuer, std::int64_t now_unix,
                                                  std::chrono::seconds max_age) {
  if (token.size() > kMaxProviderTokenBytes) {
    return fail(Errc::length_too_large, "provider token too large");
  }
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(Errc::invalid_encoding, "provider token: not three compact parts");
  }
  ZTM_TRY_ASSIGN(Bytes header_raw, base64url_decode(token.substr(0, dot1)));
  json header = json::parse(header_raw.begin(), header_raw.end(), nullptr, false);
  // Only HS256: the algorithm is fixed by configuration, never chosen by the token.
  if (!header.is_object() || internal::json_string_or(header, "alg") != "HS256" ||
      header.contains("crit")) {
    return fail(Errc::unsupported, "provider token: alg must be HS256");
  }
  ZTM_TRY_ASSIGN(Bytes mac, base64url_decode(token.substr(dot2 + 1)));
  Bytes expected =
      crypto::hmac(crypto::HashId::sha256, hmac_key.expose(), as_bytes(token.substr(0, dot2)));
  if (!constant_time_equal(mac, expected)) {
    return fail(Errc::authentication_failed, "provider token: MAC does not verify");
  }
  ZTM_TRY_ASSIGN(Bytes payload_raw, base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
  json p = json::parse(payload_raw.begin(), payload_raw.end(), nullptr, false);
  if (!p.is_object()) return fail(Errc::invalid_encoding, "provider token: payload not JSON");
  auto str = [&](const char* n) {
    return p.contains(n) && p[n].is_string() ? p[n].get<std::string>() : std::string();
  };
  auto num = [&](const char* n) -> std::int64_t {
    return p.contains(n) && p[n].is_number_integer() ? p[n].get<std::int64_t>() : 0;
  };
  ProviderTokenClaims c{str("iss"), str("email"), str("jkt"), num("iat"), num("exp")};
  if (c.issuer != issuer) return fail(Errc::untrusted, "provider token: wrong issuer");
  if (c.email.empty() || c.account_thumbprint.empty()) {
    return fail(Errc::untrusted, "provider token: email or jkt missing");
  }
  if (c.expires_unix <= now_unix) return fail(Errc::expired, "provider token: expired");
  if (c.issued_at_unix > now_unix + 60 || c.expires_unix - c.issued_at_unix > max_age.count()) {
    return fail(Errc::untrusted, "provider token: issued in the future or lives too long");
  }
  return c;
}

Outcome<void> AcmeServer::Impl::check_provider_token(const AccountRecord& account,
                                                     const AuthorizationRecord& authz,
                                                     const json& payload) {
  if (!options.provider) return problem(400, "malformed", "provider-01 is not configured");
  if (!payload.is_object() || !payload.contains("token") || !payload["token"].is_string()) {
    return problem(400, "malformed", "provider-01 needs {\"token\": ...} from the meeting service");
  }
  auto claims =
      verify_provider_token(payload["token"].get<std::string>(), options.provider->hmac_key,
                            options.provider->issuer, now_unix(), options.provider->max_token_age);
  if (!claims) return problem(403, "unauthorized", claims.error().message);
  // The token names the account key it was issued for, so a token seen by someone
  // else cannot certify the email for their account.
  if (claims->account_thumbprint != account.thumbprint) {
    return problem(403, "unauthorized", "provider token: issued for another account key");
  }
  if (claims->email != authz.identifier.value) {
    return problem(403, "unauthorized",
                   "provider token: names " + claims->email + ", not " + authz.identifier.value);
  }
  return {};
}

}  // namespace ztm::identity
