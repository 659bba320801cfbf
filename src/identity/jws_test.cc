#include "ztm/identity/jws.h"

#include <gtest/gtest.h>

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;

std::string b64(std::string_view s) {
  return base64url_encode(as_bytes(s));
}

SignaturePrivateKey make_key(SignatureScheme scheme) {
  auto key = SignaturePrivateKey::generate(scheme);
  EXPECT_TRUE(key) << key.error().what();
  return std::move(*key);
}

TEST(Base64Url, RoundTripsEveryLength) {
  Bytes data;
  for (int n = 0; n < 40; ++n) {
    auto back = base64url_decode(base64url_encode(data));
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<std::uint8_t>(n * 37 + 250));
  }
  EXPECT_EQ(base64url_encode(to_bytes(std::string_view("\xfb\xff"))), "-_8");
}

TEST(Base64Url, RejectsNonCanonicalText) {
  for (const char* bad : {"AA==", "A", "+/8", "ab c", "-_9", "AB\n"}) {
    auto r = base64url_decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_encoding) << bad;
  }
}

// RFC 8037 Appendix A.1-A.4: the Ed25519 key, its thumbprint and the signature of
// "Example of Ed25519 signing" with protected header {"alg":"EdDSA"}.
TEST(Jws, Rfc8037Ed25519Example) {
  auto seed = base64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  ASSERT_TRUE(seed);
  auto key = SignaturePrivateKey::from_raw(SignatureScheme::ed25519, *seed);
  ASSERT_TRUE(key) << key.error().what();
  auto jwk = public_jwk(*key);
  ASSERT_TRUE(jwk);
  EXPECT_EQ(jwk_to_json(*jwk)["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  EXPECT_EQ(jwk_thumbprint(*jwk), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");

  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  auto sig = key->sign(as_bytes(input));
  ASSERT_TRUE(sig);
  EXPECT_EQ(
      base64url_encode(*sig),
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");

  ParsedJws parsed;
  parsed.alg = JwsAlgorithm::eddsa;
  parsed.signing_input = input;
  parsed.signature = *sig;
  EXPECT_TRUE(verify_jws(parsed, *jwk));
  parsed.signing_input.back() = 'h';
  auto bad = verify_jws(parsed, *jwk);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::authentication_failed);
}

class JwsBoth : public ::testing::TestWithParam<SignatureScheme> {};

TEST_P(JwsBoth, SignParseVerifyWithJwkAndKid) {
  auto key = make_key(GetParam());
  auto jws = sign_jws(key, {"https://ca.test/acme/new-account", "bm9uY2U", std::nullopt},
                      R"({"termsOfServiceAgreed":true})");
  ASSERT_TRUE(jws) << jws.error().what();
  auto parsed = parse_jws(jws->dump());
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->url, "https://ca.test/acme/new-account");
  EXPECT_EQ(parsed->nonce, "bm9uY2U");
  EXPECT_FALSE(parsed->kid);
  ASSERT_TRUE(parsed->jwk);
  EXPECT_EQ(parsed->jwk->public_key, key.public_key());
  EXPECT_EQ(parsed->payload, R"({"termsOfServiceAgreed":true})");
  const PublicJwk jwk = *parsed->jwk;
  auto verified = verify_jws(std::move(*parsed), jwk);
  ASSERT_TRUE(verified) << verified.error().what();
  EXPECT_EQ(verified->key(), jwk);

  // POST-as-GET with kid: empty payload.
  auto get =
      sign_jws(key, {"https://ca.test/acme/order/1", "bm9uY2U", "https://ca.test/acct/7"}, "");
  ASSERT_TRUE(get);
  EXPECT_EQ((*get)["payload"], "");
  auto parsed_get = parse_jws(get->dump());
  ASSERT_TRUE(parsed_get) << parsed_get.error().what();
  EXPECT_EQ(parsed_get->kid, "https://ca.test/acct/7");
  EXPECT_TRUE(parsed_get->payload.empty());
  EXPECT_TRUE(verify_jws(*parsed_get, jwk));

  // Another key, or a tampered payload, does not verify.
  auto other = make_key(GetParam());
  auto wrong = verify_jws(*parsed_get, *public_jwk(other));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::authentication_failed);
  json tampered = *get;
  tampered["payload"] = b64("{}");
  auto tampered_parsed = parse_jws(tampered.dump());
  ASSERT_TRUE(tampered_parsed);
  EXPECT_EQ(verify_jws(*tampered_parsed, jwk).error().code, Errc::authentication_failed);
}

INSTANTIATE_TEST_SUITE_P(Keys, JwsBoth,
                         ::testing::Values(SignatureScheme::ecdsa_secp256r1_sha256,
                                           SignatureScheme::ed25519));

TEST(Jws, AlgorithmMustMatchTheKey) {
  auto ec = make_key(SignatureScheme::ecdsa_secp256r1_sha256);
  auto ed = make_key(SignatureScheme::ed25519);
  auto jws = sign_jws(ec, {"https://x.test/", "bm9uY2U", "k"}, "");
  auto parsed = parse_jws(jws->dump());
  ASSERT_TRUE(parsed);
  auto r = verify_jws(*parsed, *public_jwk(ed));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  auto p384 = make_key(SignatureScheme::ecdsa_secp384r1_sha384);
  EXPECT_EQ(sign_jws(p384, {"https://x.test/", "bm9uY2U", "k"}, "").error().code,
            Errc::unsupported);
}

TEST(Jws, EcdsaDerAndRawConvert) {
  auto key = make_key(SignatureScheme::ecdsa_secp256r1_sha256);
  auto der = key.sign(as_bytes("m"));
  ASSERT_TRUE(der);
  auto raw = ecdsa_der_to_raw(*der, 32);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 64u);
  auto back = ecdsa_raw_to_der(*raw);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *der);
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x01}, 32));
  EXPECT_FALSE(ecdsa_raw_to_der(Bytes{1, 2, 3}));
}

// A protected header and body built by hand, to break one rule at a time.
std::string body_with(const json& header, const json& extra = json::object(),
                      std::string signature = "AAAA") {
  json body = {{"protected", b64(header.dump())}, {"payload", ""}, {"signature", signature}};
  for (const auto& [k, v] : extra.items()) body[k] = v;
  return body.dump();
}

TEST(Jws, MalformedRequestsAreRejectedWithTypedErrors) {
  auto key = make_key(SignatureScheme::ed25519);
  const json jwk = jwk_to_json(*public_jwk(key));
  const json good = {
      {"alg", "EdDSA"}, {"nonce", "bm9uY2U"}, {"url", "https://x.test/"}, {"kid", "k"}};
  ASSERT_TRUE(parse_jws(body_with(good)));

  struct Case {
    const char* name;
    std::string body;
    Errc code;
  };
  auto with = [&](const char* member, json value) {
    json h = good;
    h[member] = std::move(value);
    return h;
  };
  auto without = [&](const char* member) {
    json h = good;
    h.erase(member);
    return h;
  };
  json both = with("jwk", jwk);
  json private_jwk = jwk;
  private_jwk["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
  json rsa_jwk = {{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}};
  json off_curve = {{"kty", "EC"},
                    {"crv", "P-256"},
                    {"x", b64(std::string(32, 'x'))},
                    {"y", b64(std::string(32, 'y'))}};
  json jwk_header = without("kid");
  const std::vector<Case> cases = {
      {"not json", "{", Errc::protocol_violation},
      {"array", "[]", Errc::protocol_violation},
      {"unprotected header", body_with(good, {{"header", json::object()}}),
       Errc::protocol_violation},
      {"signatures member", body_with(good, {{"signatures", json::array()}}),
       Errc::protocol_violation},
      {"protected not base64url", R"({"protected":"e30=","payload":"","signature":"AAAA"})",
       Errc::protocol_violation},
      {"protected not an object",
       json{{"protected", b64("[1]")}, {"payload", ""}, {"signature", ""}}.dump(),
       Errc::protocol_violation},
      {"payload not a string",
       json{{"protected", b64(good.dump())}, {"payload", 1}, {"signature", ""}}.dump(),
       Errc::protocol_violation},
      {"alg none", body_with(with("alg", "none")), Errc::unsupported},
      {"alg HS256", body_with(with("alg", "HS256")), Errc::unsupported},
      {"alg missing", body_with(without("alg")), Errc::protocol_violation},
      {"url missing", body_with(without("url")), Errc::protocol_violation},
      {"url not a string", body_with(with("url", 5)), Errc::protocol_violation},
      {"nonce missing", body_with(without("nonce")), Errc::protocol_violation},
      {"nonce empty", body_with(with("nonce", "")), Errc::protocol_violation},
      {"nonce not base64url", body_with(with("nonce", "a=b")), Errc::protocol_violation},
      {"jwk and kid", body_with(both), Errc::protocol_violation},
      {"neither jwk nor kid", body_with(without("kid")), Errc::protocol_violation},
      {"crit", body_with(with("crit", json::array({"x"}))), Errc::protocol_violation},
      {"private jwk", body_with([&] {
         json h = jwk_header;
         h["jwk"] = private_jwk;
         return h;
       }()),
       Errc::protocol_violation},
      {"rsa jwk", body_with([&] {
         json h = jwk_header;
         h["jwk"] = rsa_jwk;
         return h;
       }()),
       Errc::unsupported},
      {"off-curve jwk", body_with([&] {
         json h = jwk_header;
         h["jwk"] = off_curve;
         return h;
       }()),
       Errc::invalid_key},
      {"too large", body_with(with("url", std::string(70000, 'u'))), Errc::length_too_large},
  };
  for (const auto& c : cases) {
    auto r = parse_jws(c.body);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().what();
  }
  // Inner JWSs (key change) may omit the nonce when the caller says so.
  JwsLimits inner;
  inner.require_nonce = false;
  EXPECT_TRUE(parse_jws(body_with(without("nonce")), inner));
}

TEST(Jws, ShortEs256SignatureIsAuthenticationFailure) {
  auto key = make_key(SignatureScheme::ecdsa_secp256r1_sha256);
  auto jws = sign_jws(key, {"https://x.test/", "bm9uY2U", "k"}, "");
  json cut = *jws;
  cut["signature"] = std::string(cut["signature"]).substr(0, 40);
  auto parsed = parse_jws(cut.dump());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(verify_jws(*parsed, *public_jwk(key)).error().code, Errc::authentication_failed);
}

}  // namespace
}  // namespace ztm::identity
