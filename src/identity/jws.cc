// JWS for ACME (RFC 8555 §6.2 over RFC 7515 flattened JSON).
#include "ztm/identity/jws.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <array>
#include <memory>

#include "ztm/crypto/hash.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using crypto::SignatureScheme;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kP256FieldBytes = 32;
constexpr std::size_t kEd25519KeyBytes = 32;

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

Error malformed(std::string message) {
  return Error{Errc::protocol_violation, "jws." + message};
}

Result<std::string> string_member(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) {
    return tl::unexpected(malformed(std::string(name) + ": missing or not a string"));
  }
  return it->get<std::string>();
}

Result<Bytes> b64_member(const json& obj, const char* name) {
  ZTM_TRY_ASSIGN(std::string text, string_member(obj, name));
  auto bytes = base64url_decode(text);
  if (!bytes) return tl::unexpected(malformed(std::string(name) + ": not base64url"));
  return bytes;
}

}  // namespace

std::string base64url_encode(ByteView data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (data.size() - i == 1) {
    const std::uint32_t v = data[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (data.size() - i == 2) {
    const std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<Bytes> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return fail(Errc::invalid_encoding, "base64url: impossible length");
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = decode_char(c);
    if (v < 0) return fail(Errc::invalid_encoding, "base64url: character outside the alphabet");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, or two different strings would decode alike.
  if ((acc & ((1u << bits) - 1)) != 0) {
    return fail(Errc::invalid_encoding, "base64url: non-zero trailing bits");
  }
  return out;
}

std::string_view jws_algorithm_name(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::es256 ? "ES256" : "EdDSA";
}

Result<JwsAlgorithm> jws_algorithm_for(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return JwsAlgorithm::es256;
    case SignatureScheme::ed25519:
      return JwsAlgorithm::eddsa;
    default:
      return fail(Errc::unsupported, "jws: account keys are P-256 (ES256) or Ed25519 (EdDSA)");
  }
}

Result<PublicJwk> public_jwk(const crypto::SignaturePrivateKey& key) {
  ZTM_TRY(jws_algorithm_for(key.scheme()));
  return PublicJwk{key.scheme(), key.public_key()};
}

json jwk_to_json(const PublicJwk& jwk) {
  const ByteView pub(jwk.public_key);
  if (jwk.scheme == SignatureScheme::ed25519) {
    return json{{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", base64url_encode(pub)}};
  }
  // Uncompressed point 0x04 || x || y.
  return json{{"crv", "P-256"},
              {"kty", "EC"},
              {"x", base64url_encode(pub.subspan(1, kP256FieldBytes))},
              {"y", base64url_encode(pub.subspan(1 + kP256FieldBytes, kP256FieldBytes))}};
}

Result<PublicJwk> parse_jwk(const json& jwk) {
  if (!jwk.is_object()) return tl::unexpected(malformed("jwk: not an object"));
  if (jwk.contains("d")) return tl::unexpected(malformed("jwk: contains a private key"));
  ZTM_TRY_ASSIGN(std::string kty, string_member(jwk, "kty"));
  if (kty != "EC" && kty != "OKP")
    return fail(Errc::unsupported, "jwk: key type " + kty + " not supported");
  ZTM_TRY_ASSIGN(std::string crv, string_member(jwk, "crv"));
  PublicJwk out;
  if (kty == "OKP" && crv == "Ed25519") {
    ZTM_TRY_ASSIGN(Bytes x, b64_member(jwk, "x"));
    if (x.size() != kEd25519KeyBytes)
      return fail(Errc::invalid_key, "jwk: Ed25519 x must be 32 bytes");
    out = PublicJwk{SignatureScheme::ed25519, std::move(x)};
  } else if (kty == "EC" && crv == "P-256") {
    ZTM_TRY_ASSIGN(Bytes x, b64_member(jwk, "x"));
    ZTM_TRY_ASSIGN(Bytes y, b64_member(jwk, "y"));
    if (x.size() != kP256FieldBytes || y.size() != kP256FieldBytes) {
      return fail(Errc::invalid_key, "jwk: P-256 coordinates must be 32 bytes");
    }
    out = PublicJwk{SignatureScheme::ecdsa_secp256r1_sha256, concat({Bytes{0x04}, x, y})};
  } else {
    return fail(Errc::unsupported, "jwk: key type " + kty + "/" + crv + " not supported");
  }
  // An off-curve point is caught here rather than at first use: a dummy verify fails
  // with invalid_key for a bad key and authentication_failed for a good one.
  const Bytes probe{0};
  const Bytes bad_sig(out.scheme == SignatureScheme::ed25519 ? 64 : 8, 0);
  auto check = crypto::verify(out.scheme, out.public_key, probe, bad_sig);
  if (!check && check.error().code == Errc::invalid_key) {
    return fail(Errc::invalid_key, "jwk: not a valid point");
  }
  return out;
}

std::string jwk_thumbprint(const PublicJwk& jwk) {
  // nlohmann::json objects are std::map-backed: dump() emits members in
  // lexicographic order without whitespace, which is RFC 7638 §3's canonical form.
  const std::string canonical = jwk_to_json(jwk).dump();
  return base64url_encode(crypto::hash(crypto::HashId::sha256, as_bytes(canonical)));
}

Result<Bytes> ecdsa_der_to_raw(ByteView der, std::size_t field_bytes) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (!sig || p != der.data() + der.size())
    return fail(Errc::invalid_encoding, "ecdsa: bad DER signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  Bytes out(2 * field_bytes);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(field_bytes)) < 0 ||
      BN_bn2binpad(s, out.data() + field_bytes, static_cast<int>(field_bytes)) < 0) {
    return fail(Errc::invalid_encoding, "ecdsa: signature value too large");
  }
  return out;
}

Result<Bytes> ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0)
    return fail(Errc::invalid_encoding, "ecdsa: odd raw signature");
  const int half = static_cast<int>(raw.size() / 2);
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(raw.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return fail(Errc::crypto_failure, "ecdsa: cannot build signature");
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return fail(Errc::crypto_failure, "ecdsa: cannot encode signature");
  Bytes der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

Result<json> sign_jws(const crypto::SignaturePrivateKey& key, const JwsHeader& header,
                      std::string_view payload) {
  ZTM_TRY_ASSIGN(JwsAlgorithm alg, jws_algorithm_for(key.scheme()));
  json protected_header = {{"alg", jws_algorithm_name(alg)}, {"url", header.url}};
  if (header.nonce) protected_header["nonce"] = *header.nonce;
  if (header.kid) {
    protected_header["kid"] = *header.kid;
  } else {
    ZTM_TRY_ASSIGN(PublicJwk jwk, public_jwk(key));
    protected_header["jwk"] = jwk_to_json(jwk);
  }
  const std::string protected_b64 = base64url_encode(as_bytes(protected_header.dump()));
  const std::string payload_b64 = base64url_encode(as_bytes(payload));
  const std::string signing_input = protected_b64 + "." + payload_b64;
  ZTM_TRY_ASSIGN(Bytes signature, key.sign(as_bytes(signing_input)));
  if (alg == JwsAlgorithm::es256) {
    ZTM_TRY_ASSIGN(signature, ecdsa_der_to_raw(signature, kP256FieldBytes));
  }
  return json{{"protected", protected_b64},
              {"payload", payload_b64},
              {"signature", base64url_encode(signature)}};
}

Result<ParsedJws> parse_jws(std::string_view body, const JwsLimits& limits) {
  if (body.size() > limits.max_body_bytes)
    return fail(Errc::length_too_large, "jws: body too large");
  const json outer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (outer.is_discarded() || !outer.is_object())
    return tl::unexpected(malformed("body: not a JSON object"));
  for (const auto& [name, value] : outer.items()) {
    if (name != "protected" && name != "payload" && name != "signature") {
      // RFC 8555 §6.2: no unprotected header, and only one signature (flattened).
      return tl::unexpected(malformed("body: unexpected member \"" + name + "\""));
    }
  }
  ZTM_TRY_ASSIGN(std::string protected_b64, string_member(outer, "protected"));
  ZTM_TRY_ASSIGN(std::string payload_b64, string_member(outer, "payload"));
  ZTM_TRY_ASSIGN(Bytes signature, b64_member(outer, "signature"));
  ZTM_TRY_ASSIGN(Bytes protected_bytes, b64_member(outer, "protected"));
  ZTM_TRY_ASSIGN(Bytes payload, b64_member(outer, "payload"));

  ParsedJws out;
  out.protected_header =
      json::parse(protected_bytes.begin(), protected_bytes.end(), nullptr, false);
  const json& h = out.protected_header;
  if (h.is_discarded() || !h.is_object())
    return tl::unexpected(malformed("protected: not a JSON object"));
  ZTM_TRY_ASSIGN(std::string alg, string_member(h, "alg"));
  if (alg == "ES256") {
    out.alg = JwsAlgorithm::es256;
  } else if (alg == "EdDSA") {
    out.alg = JwsAlgorithm::eddsa;
  } else {
    // "none" and the HMAC algorithms are forbidden by §6.2; others we do not offer.
    return fail(Errc::unsupported, "jws.alg: \"" + alg + "\" not accepted");
  }
  if (h.contains("crit"))
    return tl::unexpected(malformed("crit: no critical extensions are understood"));
  ZTM_TRY_ASSIGN(out.url, string_member(h, "url"));
  if (h.contains("nonce")) {
    ZTM_TRY_ASSIGN(std::string nonce, string_member(h, "nonce"));
    if (nonce.empty() || !base64url_decode(nonce))
      return tl::unexpected(malformed("nonce: not base64url"));
    out.nonce = std::move(nonce);
  } else if (limits.require_nonce) {
    return tl::unexpected(malformed("nonce: missing"));
  }
  const bool has_jwk = h.contains("jwk");
  const bool has_kid = h.contains("kid");
  if (has_jwk == has_kid) return tl::unexpected(malformed("jwk/kid: exactly one is required"));
  if (has_kid) {
    ZTM_TRY_ASSIGN(out.kid, string_member(h, "kid"));
  } else {
    ZTM_TRY_ASSIGN(out.jwk, parse_jwk(h.at("jwk")));
  }
  out.payload.assign(payload.begin(), payload.end());
  out.signing_input = protected_b64 + "." + payload_b64;
  out.signature = std::move(signature);
  return out;
}

Result<VerifiedJws> verify_jws(ParsedJws jws, const PublicJwk& key) {
  ZTM_TRY_ASSIGN(JwsAlgorithm key_alg, jws_algorithm_for(key.scheme));
  if (key_alg != jws.alg) return fail(Errc::unsupported, "jws.alg: does not match the account key");
  Bytes signature = jws.signature;
  if (jws.alg == JwsAlgorithm::es256) {
    if (signature.size() != 2 * kP256FieldBytes) {
      return fail(Errc::authentication_failed, "jws.signature: ES256 signature must be 64 bytes");
    }
    ZTM_TRY_ASSIGN(signature, ecdsa_raw_to_der(signature));
  }
  auto verified =
      crypto::verify(key.scheme, key.public_key, as_bytes(jws.signing_input), signature);
  if (!verified) {
    if (verified.error().code == Errc::invalid_key) return tl::unexpected(verified.error());
    return fail(Errc::authentication_failed, "jws.signature: does not verify");
  }
  return VerifiedJws(std::move(jws), key);
}

}  // namespace ztm::identity
