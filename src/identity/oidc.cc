// ID token verification: JWKS parsing, compact JWS checks for RS256/ES256 and the
// claim rules of OpenID Connect Core §3.1.3.7. The HTTP side of the relying party is
// in oidc_relying_party.cc.
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "internal/c_json.h"
#include "internal/c_jwk_keys.h"
#include "internal/c_openssl.h"
#include "ztm/crypto/hash.h"
#include "ztm/crypto/random.h"
#include "ztm/identity/jws.h"
#include "ztm/identity/oidc.h"

namespace ztm::identity {

using internal::MdCtxPtr;
using internal::ossl_error;
using internal::PkeyCtxPtr;
using internal::PkeyPtr;
using json = nlohmann::json;

namespace {

// kMaxIdTokenBytes bounds the token we parse.
constexpr std::size_t kMaxIdTokenBytes = 16 * 1024;

enum class KeyType { rsa, ec_p256 };

using internal::ec_p256_from_jwk;
using internal::rsa_from_jwk;
using internal::verify_sha256;

Result<json> decode_json_part(std::string_view part, std::string_view what) {
  ZTM_TRY_ASSIGN(Bytes raw, base64url_decode(part));
  json out = json::parse(raw.begin(), raw.end(), nullptr, false);
  if (!out.is_object()) return fail(Errc::invalid_encoding, std::string(what) + " is not JSON");
  return out;
}

}  // namespace

struct Jwks::Key {
  std::string kid;
  KeyType type;
  PkeyPtr pkey;
};

Jwks::Jwks() = default;
Jwks::~Jwks() = default;
Jwks::Jwks(Jwks&&) noexcept = default;
Jwks& Jwks::operator=(Jwks&&) noexcept = default;

std::size_t Jwks::size() const {
  return keys_.size();
}

Result<Jwks> Jwks::parse(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return fail(Errc::invalid_encoding, "JWKS: not a {\"keys\": [...]} object");
  }
  Jwks out;
  for (const auto& jwk : doc["keys"]) {
    if (out.keys_.size() >= kMaxJwksKeys) break;
    if (!jwk.is_object()) continue;
    // Keys for encryption, or with private members, are not ours to use.
    if (internal::json_string_or(jwk, "use", "sig") != "sig" ||
        (jwk.contains("use") && !jwk["use"].is_string()) || jwk.contains("d")) {
      continue;
    }
    std::string kty = internal::json_string_or(jwk, "kty");
    Result<PkeyPtr> key = fail(Errc::unsupported, "kty");
    KeyType type = KeyType::rsa;
    if (kty == "RSA") {
      key = rsa_from_jwk(jwk);
    } else if (kty == "EC") {
      key = ec_p256_from_jwk(jwk);
      type = KeyType::ec_p256;
    }
    if (!key) continue;  // a key we cannot use does not spoil the others
    std::string kid = jwk.contains("kid") && jwk["kid"].is_string() ? jwk["kid"].get<std::string>()
                                                                    : std::string();
    out.keys_.push_back(Key{std::move(kid), type, std::move(*key)});
  }
  return out;
}

Result<std::string> Jwks::verify_jws_compact(std::string_view jws) const {
  if (jws.size() > kMaxIdTokenBytes) return fail(Errc::length_too_large, "JWS too large");
  auto dot1 = jws.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jws.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(Errc::invalid_encoding, "JWS: not three compact parts");
  }
  ZTM_TRY_ASSIGN(json header, decode_json_part(jws.substr(0, dot1), "JWS header"));
  if (header.contains("crit")) return fail(Errc::unsupported, "JWS: crit header not understood");
  std::string alg = internal::json_string_or(header, "alg");
  KeyType type;
  if (alg == "RS256") {
    type = KeyType::rsa;
  } else if (alg == "ES256") {
    type = KeyType::ec_p256;
  } else {
    return fail(Errc::unsupported, "JWS alg " + alg + " is not RS256 or ES256");
  }
  std::optional<std::string> kid;
  if (header.contains("kid") && header["kid"].is_string()) kid = header["kid"].get<std::string>();
  const Key* key = nullptr;
  std::size_t candidates = 0;
  for (const auto& k : keys_) {
    if (k.type != type) continue;
    if (kid ? k.kid == *kid : true) {
      key = &k;
      ++candidates;
    }
  }
  // Without a kid, a JWKS with several keys of the type is ambiguous (Core §10.1).
  if (key == nullptr || (!kid && candidates != 1)) {
    return fail(Errc::unknown_key, "JWS: no JWKS key for kid " + kid.value_or("(none)"));
  }
  ZTM_TRY_ASSIGN(Bytes signature, base64url_decode(jws.substr(dot2 + 1)));
  if (type == KeyType::ec_p256) {
    if (signature.size() != 64) return fail(Errc::authentication_failed, "ES256 signature size");
    ZTM_TRY_ASSIGN(signature, ecdsa_raw_to_der(signature));
  }
  if (!verify_sha256(key->pkey.get(), as_bytes(jws.substr(0, dot2)), signature)) {
    return fail(Errc::authentication_failed, "JWS signature does not verify");
  }
  ZTM_TRY_ASSIGN(Bytes payload, base64url_decode(jws.substr(dot1 + 1, dot2 - dot1 - 1)));
  return std::string(payload.begin(), payload.end());
}

Result<IdTokenClaims> verify_id_token(std::string_view id_token, const Jwks& jwks,
                                      const IdTokenExpectations& expected) {
  ZTM_TRY_ASSIGN(std::string payload, jwks.verify_jws_compact(id_token));
  json claims = json::parse(payload, nullptr, false);
  if (!claims.is_object()) return fail(Errc::invalid_encoding, "ID token payload is not JSON");
  auto string_claim = [&](const char* name) -> std::string {
    return claims.contains(name) && claims[name].is_string() ? claims[name].get<std::string>()
                                                             : std::string();
  };
  auto int_claim = [&](const char* name) -> std::optional<std::int64_t> {
    if (!claims.contains(name) || !claims[name].is_number()) return std::nullopt;
    return claims[name].get<std::int64_t>();
  };
  IdTokenClaims out;
  out.issuer = string_claim("iss");
  if (out.issuer != expected.issuer) {
    return fail(Errc::untrusted, "id_token.iss: " + out.issuer + " is not the configured issuer");
  }
  // aud is a string or an array that must contain our client_id; with several
  // audiences, azp must name us (Core §3.1.3.7 items 3–5).
  bool aud_ok = false;
  if (claims.contains("aud") && claims["aud"].is_string()) {
    aud_ok = claims["aud"].get<std::string>() == expected.client_id;
  } else if (claims.contains("aud") && claims["aud"].is_array()) {
    for (const auto& a : claims["aud"]) aud_ok |= a.is_string() && a == expected.client_id;
    if (aud_ok && claims["aud"].size() > 1) aud_ok = string_claim("azp") == expected.client_id;
  }
  if (!aud_ok) return fail(Errc::untrusted, "id_token.aud: not issued for this client");
  if (claims.contains("azp") && string_claim("azp") != expected.client_id) {
    return fail(Errc::untrusted, "id_token.azp: another client");
  }
  const std::int64_t skew = expected.max_clock_skew.count();
  auto exp = int_claim("exp");
  if (!exp || *exp + skew < expected.now_unix) {
    return fail(Errc::expired, "id_token.exp: the token has expired");
  }
  auto iat = int_claim("iat");
  if (!iat || *iat - skew > expected.now_unix) {
    return fail(Errc::untrusted, "id_token.iat: issued in the future");
  }
  // The nonce binds the token to the login we started (Core §3.1.3.7 item 11);
  // both are public values, so a plain comparison is enough.
  if (expected.nonce.empty() || string_claim("nonce") != expected.nonce) {
    return fail(Errc::untrusted, "id_token.nonce: does not match the login");
  }
  out.subject = string_claim("sub");
  if (out.subject.empty()) return fail(Errc::untrusted, "id_token.sub: missing");
  out.email = string_claim("email");
  if (out.email.empty()) return fail(Errc::untrusted, "id_token.email: missing");
  if (!claims.contains("email_verified") || claims["email_verified"] != true) {
    return fail(Errc::untrusted, "id_token.email_verified: the IdP has not verified the email");
  }
  out.expires_unix = *exp;
  out.issued_at_unix = *iat;
  return out;
}

std::string pkce_s256(std::string_view verifier) {
  return base64url_encode(crypto::hash(crypto::HashId::sha256, as_bytes(verifier)));
}

Pkce make_pkce() {
  Pkce out;
  out.verifier = base64url_encode(crypto::random_bytes(32));
  out.challenge = pkce_s256(out.verifier);
  return out;
}

}  // namespace ztm::identity
