// c_rs256_jws: ACME requests signed with RSA account keys (RS256, RFC 7518 §3.3).
// ztm/identity/jws.h offers ES256 and EdDSA only, the keys ztmeet's own client makes;
// but certbot 2.1 registers every account with an RSA-2048 key and lego does with
// --key-type rsa*, so the CA also accepts RS256 requests, with the same §6.2 rules:
// a flattened JWS with exactly "protected", "payload", "signature"; "alg", "url",
// "nonce", exactly one of "jwk"/"kid", no "crit".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::identity::internal {

// kMaxRs256BodyBytes bounds the request body, as JwsLimits does for jws.h.
inline constexpr std::size_t kMaxRs256BodyBytes = 64 * 1024;

struct Rs256Jws {
  std::string url;
  std::optional<std::string> nonce;
  std::optional<std::string> kid;
  std::optional<nlohmann::json> jwk;  // an RSA public JWK {"kty","n","e"}
  std::string payload;
  std::string signing_input;
  Bytes signature;
};

// protected_alg returns the "alg" of a flattened JWS body ("" when unreadable), to
// route a request that jws.h refused as unsupported.
std::string protected_alg(std::string_view body);

// parse_rs256_jws checks the structure of an RS256 request (errors as jws.h maps
// them: invalid_encoding/protocol_violation -> malformed, invalid_key ->
// badPublicKey).
Result<Rs256Jws> parse_rs256_jws(std::string_view body);

// verify_rs256 checks the signature under an RSA JWK (authentication_failed).
Result<void> verify_rs256(const Rs256Jws& jws, const nlohmann::json& rsa_jwk);

// rsa_jwk_canonical is the JWK's required members {"e","kty","n"}; its RFC 7638
// thumbprint is rsa_jwk_thumbprint.
nlohmann::json rsa_jwk_canonical(const nlohmann::json& rsa_jwk);
std::string rsa_jwk_thumbprint(const nlohmann::json& rsa_jwk);

}  // namespace ztm::identity::internal
