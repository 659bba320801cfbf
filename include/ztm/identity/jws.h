// JSON Web Signature as ACME uses it (RFC 8555 §6.2): the flattened JSON
// serialization of RFC 7515 §7.2.2 with one signature, an integrity-protected header
// carrying "alg", "nonce", "url" and exactly one of "jwk" or "kid", and account keys
// ES256 (ECDSA P-256, RFC 7518 §3.4) or EdDSA (Ed25519, RFC 8037).
//
// The client signs with sign_jws(); a server parses with parse_jws() (untrusted
// input: every rule of §6.2 checked) and then proves the signature with verify_jws(),
// which alone can produce a VerifiedJws.
//
// Error mapping for a server's problem documents (RFC 8555 §6.7):
//   protocol_violation / invalid_encoding / length_too_large -> malformed
//   unsupported                                              -> badSignatureAlgorithm
//   authentication_failed                                    -> unauthorized (bad signature)
//   invalid_key                                              -> badPublicKey
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"

namespace ztm::identity {

// base64url_encode is base64url without padding (RFC 7515 §2, RFC 4648 §5).
std::string base64url_encode(ByteView data);
// base64url_decode accepts exactly what base64url_encode produces: no padding, no
// whitespace, no other alphabet, zero trailing bits. Anything else is
// invalid_encoding.
Result<Bytes> base64url_decode(std::string_view text);

// JwsAlgorithm is an ACME account-key algorithm (RFC 7518 §3.1, RFC 8037 §3.1).
enum class JwsAlgorithm : std::uint8_t { es256, eddsa };

// jws_algorithm_name is the "alg" value: "ES256" or "EdDSA".
std::string_view jws_algorithm_name(JwsAlgorithm alg);
// jws_algorithm_for maps a signature scheme to its algorithm; only P-256 and
// Ed25519 are offered (unsupported otherwise).
Result<JwsAlgorithm> jws_algorithm_for(crypto::SignatureScheme scheme);

// PublicJwk is a public account key: its scheme and its RFC 9420 encoding
// (uncompressed point for P-256, 32 raw bytes for Ed25519).
struct PublicJwk {
  crypto::SignatureScheme scheme;
  Bytes public_key;
  friend bool operator==(const PublicJwk&, const PublicJwk&) = default;
};

// public_jwk returns the public half of an account key (unsupported for schemes
// other than P-256 and Ed25519).
Result<PublicJwk> public_jwk(const crypto::SignaturePrivateKey& key);
// jwk_to_json renders {"kty":"EC","crv":"P-256","x","y"} or {"kty":"OKP",
// "crv":"Ed25519","x"} (RFC 7518 §6.2.1, RFC 8037 §2).
nlohmann::json jwk_to_json(const PublicJwk& jwk);
// parse_jwk reads a public JWK. Private members ("d") are refused
// (protocol_violation), as are other key types (unsupported) and points off the curve
// or of the wrong length (invalid_key).
Result<PublicJwk> parse_jwk(const nlohmann::json& jwk);
// jwk_thumbprint is base64url(SHA-256(the JWK's required members in lexicographic
// order, no whitespace)) (RFC 7638 §3), as in key authorizations (RFC 8555 §8.1).
std::string jwk_thumbprint(const PublicJwk& jwk);

// JwsSigner says how a request names its account: kid (the account URL) for every
// request after newAccount; otherwise the full jwk is embedded (RFC 8555 §6.2).
struct JwsHeader {
  std::string url;
  std::optional<std::string> nonce;  // absent only for inner JWSs (key change, EAB)
  std::optional<std::string> kid;
};

// sign_jws returns the flattened JWS {"protected","payload","signature"} over payload
// (empty payload = POST-as-GET, RFC 8555 §6.3).
Result<nlohmann::json> sign_jws(const crypto::SignaturePrivateKey& key, const JwsHeader& header,
                                std::string_view payload);

// JwsLimits bound the work on an untrusted request body.
struct JwsLimits {
  std::size_t max_body_bytes = 64 * 1024;
  bool require_nonce = true;  // false for inner JWSs
};

// ParsedJws is a JWS whose structure obeys RFC 8555 §6.2 but whose signature has not
// been checked yet: nothing in it may be trusted except by verify_jws.
struct ParsedJws {
  JwsAlgorithm alg = JwsAlgorithm::es256;
  std::string url;
  std::optional<std::string> nonce;
  std::optional<std::string> kid;  // exactly one of kid and jwk is set
  std::optional<PublicJwk> jwk;
  nlohmann::json protected_header;  // the decoded header object
  std::string payload;              // decoded payload bytes ("" = POST-as-GET)
  std::string signing_input;        // ASCII(protected || '.' || payload), as sent
  Bytes signature;                  // raw: r||s for ES256, 64 bytes for EdDSA
};

// parse_jws checks a request body: a JSON object with exactly the members
// "protected", "payload", "signature" (no unprotected header); a protected header
// with a supported "alg" ("none" and MACs are unsupported), a string "url", a
// base64url "nonce" when required, exactly one of "jwk"/"kid", and "crit" absent.
Result<ParsedJws> parse_jws(std::string_view body, const JwsLimits& limits = {});

// VerifiedJws is a ParsedJws whose signature verified under key; only verify_jws
// makes one.
class VerifiedJws {
 public:
  const ParsedJws& jws() const { return jws_; }
  const PublicJwk& key() const { return key_; }

 private:
  friend Result<VerifiedJws> verify_jws(ParsedJws jws, const PublicJwk& key);
  VerifiedJws(ParsedJws jws, PublicJwk key) : jws_(std::move(jws)), key_(std::move(key)) {}
  ParsedJws jws_;
  PublicJwk key_;
};

// verify_jws checks the signature with key (the embedded jwk for newAccount, the
// account's key for kid requests). The alg must match the key's type (unsupported
// otherwise); a wrong signature is authentication_failed.
Result<VerifiedJws> verify_jws(ParsedJws jws, const PublicJwk& key);

// ecdsa_der_to_raw / ecdsa_raw_to_der convert an ECDSA signature between DER
// (ECDSA-Sig-Value, as OpenSSL and RFC 9420 use) and JWS's fixed-width r||s (RFC 7518
// §3.4), for a field of field_bytes bytes (32 for P-256).
Result<Bytes> ecdsa_der_to_raw(ByteView der, std::size_t field_bytes);
Result<Bytes> ecdsa_raw_to_der(ByteView raw);

}  // namespace ztm::identity
