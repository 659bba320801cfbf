// ID token verification (OpenID Connect Core §3.1.3.7) with tokens signed here by
// RS256 and ES256 test keys, JWKS parsing, and PKCE (RFC 7636).
#include "ztm/identity/oidc.h"

#include <gtest/gtest.h>

#include "internal/c_oidc_test_idp.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using testing::TestSigningKey;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr char kIssuer[] = "https://idp.example.test";

json good_claims() {
  return {{"iss", kIssuer},
          {"sub", "u1"},
          {"aud", "acme-ca"},
          {"nonce", "n-1"},
          {"iat", kNow - 10},
          {"exp", kNow + 300},
          {"email", "alice@example.test"},
          {"email_verified", true}};
}

IdTokenExpectations expected() {
  return {kIssuer, "acme-ca", "n-1", kNow, std::chrono::seconds(60)};
}

class IdTokenTest : public ::testing::TestWithParam<TestSigningKey::Alg> {
 protected:
  IdTokenTest() : key_(GetParam(), "k1"), other_(GetParam(), "k1") {
    jwks_ = Jwks::parse(json{{"keys", {key_.jwk()}}}.dump()).value();
  }
  Result<IdTokenClaims> check(const json& claims) {
    return verify_id_token(key_.sign(claims), jwks_, expected());
  }
  TestSigningKey key_;
  TestSigningKey other_;  // same kid, not in the JWKS
  Jwks jwks_;
};

TEST_P(IdTokenTest, AcceptsAGoodToken) {
  auto claims = check(good_claims());
  ASSERT_TRUE(claims.has_value()) << claims.error().what();
  EXPECT_EQ(claims->email, "alice@example.test");
  EXPECT_EQ(claims->subject, "u1");
}

TEST_P(IdTokenTest, RejectsBadSignature) {
  auto r = verify_id_token(other_.sign(good_claims()), jwks_, expected());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::authentication_failed);
  // A flipped payload byte under a good signature.
  std::string token = key_.sign(good_claims());
  auto dot = token.find('.');
  token[dot + 5] = token[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_id_token(token, jwks_, expected()).has_value());
}

TEST_P(IdTokenTest, RejectsWrongAudienceIssuerNonceAndExpiry) {
  json c = good_claims();
  c["aud"] = "another-client";
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
  c["aud"] = json::array({"acme-ca", "another-client"});  // several audiences need azp
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
  c["azp"] = "acme-ca";
  EXPECT_TRUE(check(c).has_value());
  c = good_claims();
  c["iss"] = "https://evil.example.test";
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
  c = good_claims();
  c["nonce"] = "n-2";
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
  c = good_claims();
  c["exp"] = kNow - 61;  // beyond the 60 s skew
  EXPECT_EQ(check(c).error().code, Errc::expired);
  c["exp"] = kNow - 30;  // within the skew
  EXPECT_TRUE(check(c).has_value());
  c = good_claims();
  c["iat"] = kNow + 120;
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
}

TEST_P(IdTokenTest, RequiresAVerifiedEmail) {
  json c = good_claims();
  c["email_verified"] = false;
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
  c.erase("email_verified");
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
  c = good_claims();
  c.erase("email");
  EXPECT_EQ(check(c).error().code, Errc::untrusted);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, IdTokenTest,
                         ::testing::Values(TestSigningKey::Alg::rs256, TestSigningKey::Alg::es256),
                         [](const auto& info) {
                           return info.param == TestSigningKey::Alg::rs256 ? "RS256" : "ES256";
                         });

TEST(IdToken, RejectsAlgNoneHs256AndUnknownKid) {
  TestSigningKey key(TestSigningKey::Alg::es256, "k1");
  Jwks jwks = Jwks::parse(json{{"keys", {key.jwk()}}}.dump()).value();
  std::string payload = base64url_encode(as_bytes(good_claims().dump()));
  std::string none = base64url_encode(as_bytes(R"({"alg":"none"})")) + "." + payload + ".";
  EXPECT_EQ(verify_id_token(none, jwks, expected()).error().code, Errc::unsupported);
  std::string hs = base64url_encode(as_bytes(R"({"alg":"HS256","kid":"k1"})")) + "." + payload +
                   "." + base64url_encode(as_bytes("mac"));
  EXPECT_EQ(verify_id_token(hs, jwks, expected()).error().code, Errc::unsupported);
  TestSigningKey stranger(TestSigningKey::Alg::es256, "k2");
  EXPECT_EQ(verify_id_token(stranger.sign(good_claims()), jwks, expected()).error().code,
            Errc::unknown_key);
  EXPECT_FALSE(verify_id_token("a.b", jwks, expected()).has_value());
}

TEST(Jwks, SkipsUnusableKeys) {
  TestSigningKey rsa(TestSigningKey::Alg::rs256, "r");
  json enc = rsa.jwk();
  enc["use"] = "enc";
  json okp = {
      {"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  json short_rsa = {{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}};
  auto jwks = Jwks::parse(json{{"keys", {enc, okp, short_rsa, rsa.jwk()}}}.dump());
  ASSERT_TRUE(jwks.has_value());
  EXPECT_EQ(jwks->size(), 1u);
  EXPECT_FALSE(Jwks::parse("[]").has_value());
}

TEST(Pkce, MatchesRfc7636AppendixB) {
  EXPECT_EQ(pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  Pkce a = make_pkce();
  Pkce b = make_pkce();
  EXPECT_EQ(a.verifier.size(), 43u);
  EXPECT_NE(a.verifier, b.verifier);
  EXPECT_EQ(pkce_s256(a.verifier), a.challenge);
}

}  // namespace
}  // namespace ztm::identity
