#include "internal/c_rs256_jws.h"

#include "internal/c_json.h"
#include "internal/c_jwk_keys.h"
#include "ztm/crypto/hash.h"
#include "ztm/identity/jws.h"

namespace ztm::identity::internal {

using json = nlohmann::json;

namespace {

Result<json> decode_object(const std::string& b64, const char* what) {
  ZTM_TRY_ASSIGN(Bytes raw, base64url_decode(b64));
  json out = json::parse(raw.begin(), raw.end(), nullptr, false);
  if (!out.is_object()) return fail(Errc::invalid_encoding, std::string(what) + " is not JSON");
  return out;
}

}  // namespace

std::string protected_alg(std::string_view body) {
  json outer = json::parse(body, nullptr, false);
  if (!outer.is_object() || !outer.contains("protected") || !outer["protected"].is_string()) {
    return "";
  }
  auto header = decode_object(outer["protected"].get<std::string>(), "header");
  if (!header || !header->contains("alg") || !(*header)["alg"].is_string()) return "";
  return (*header)["alg"].get<std::string>();
}

Result<Rs256Jws> parse_rs256_jws(std::string_view body) {
  if (body.size() > kMaxRs256BodyBytes) return fail(Errc::length_too_large, "JWS too large");
  json outer = json::parse(body, nullptr, false);
  if (!outer.is_object() || outer.size() != 3 || !outer.contains("protected") ||
      !outer.contains("payload") || !outer.contains("signature") ||
      !outer["protected"].is_string() || !outer["payload"].is_string() ||
      !outer["signature"].is_string()) {
    return fail(Errc::protocol_violation,
                "a flattened JWS with exactly protected, payload and signature");
  }
  const std::string protected_b64 = outer["protected"].get<std::string>();
  const std::string payload_b64 = outer["payload"].get<std::string>();
  ZTM_TRY_ASSIGN(json header, decode_object(protected_b64, "JWS protected header"));
  if (json_string_or(header, "alg") != "RS256") return fail(Errc::unsupported, "alg is not RS256");
  if (header.contains("crit")) return fail(Errc::protocol_violation, "crit is not supported");
  Rs256Jws out;
  if (!header.contains("url") || !header["url"].is_string()) {
    return fail(Errc::protocol_violation, "JWS header needs a string url");
  }
  out.url = header["url"].get<std::string>();
  if (header.contains("nonce")) {
    if (!header["nonce"].is_string()) return fail(Errc::protocol_violation, "nonce not a string");
    out.nonce = header["nonce"].get<std::string>();
  }
  const bool has_jwk = header.contains("jwk");
  const bool has_kid = header.contains("kid");
  if (has_jwk == has_kid) return fail(Errc::protocol_violation, "exactly one of jwk and kid");
  if (has_kid) {
    if (!header["kid"].is_string()) return fail(Errc::protocol_violation, "kid not a string");
    out.kid = header["kid"].get<std::string>();
  } else {
    const json& jwk = header["jwk"];
    if (!jwk.is_object() || json_string_or(jwk, "kty") != "RSA") {
      return fail(Errc::invalid_key, "an RS256 request needs an RSA jwk");
    }
    if (jwk.contains("d")) return fail(Errc::protocol_violation, "jwk holds a private key");
    ZTM_TRY(rsa_from_jwk(jwk));  // well formed and at least 2048 bits
    out.jwk = rsa_jwk_canonical(jwk);
  }
  ZTM_TRY_ASSIGN(Bytes payload, base64url_decode(payload_b64));
  out.payload.assign(payload.begin(), payload.end());
  ZTM_TRY_ASSIGN(out.signature, base64url_decode(outer["signature"].get<std::string>()));
  out.signing_input = protected_b64 + "." + payload_b64;
  return out;
}

Result<void> verify_rs256(const Rs256Jws& jws, const json& rsa_jwk) {
  ZTM_TRY_ASSIGN(PkeyPtr key, rsa_from_jwk(rsa_jwk));
  if (!verify_sha256(key.get(), as_bytes(jws.signing_input), jws.signature)) {
    return fail(Errc::authentication_failed, "RS256 signature does not verify");
  }
  return ok();
}

json rsa_jwk_canonical(const json& rsa_jwk) {
  // nlohmann::json orders object members lexicographically, as RFC 7638 §3.3 wants.
  return {{"e", json_string_or(rsa_jwk, "e")}, {"kty", "RSA"}, {"n", json_string_or(rsa_jwk, "n")}};
}

std::string rsa_jwk_thumbprint(const json& rsa_jwk) {
  return base64url_encode(
      crypto::hash(crypto::HashId::sha256, as_bytes(rsa_jwk_canonical(rsa_jwk).dump())));
}

}  // namespace ztm::identity::internal
