// Regression tests for JSON members of the wrong type (found by
// identity_acme_objects_fuzzer: {"type":666...} crashed parse_sso_challenge, because
// nlohmann's value() throws on a type mismatch). Each parser must answer with a typed
// error, the CA with a problem document.
#include <gtest/gtest.h>

#include "internal/c_acme_test_env.h"
#include "ztm/identity/acme_types.h"
#include "ztm/identity/oidc.h"
#include "ztm/identity/sso_challenge.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using testing::AcmeTestEnv;
using testing::RawAcme;

TEST(JsonMemberTypes, ClientParsersRefuseWrongTypesWithoutThrowing) {
  EXPECT_FALSE(parse_sso_challenge(json::parse(R"({"type":66666666666})")));
  EXPECT_FALSE(parse_sso_challenge(json::parse(R"([1,2])")));
  // A mistyped optional member is read as absent.
  auto status =
      parse_sso_challenge(json::parse(R"({"type":"sso-01","url":"u","sso_url":"s","status":3})"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, "");
  EXPECT_FALSE(parse_directory(json::parse(R"({"newNonce":1,"newAccount":"a","newOrder":"o"})")));
  EXPECT_FALSE(parse_directory(json::parse(R"({"newNonce":"","newAccount":"a","newOrder":"o"})")));
  EXPECT_FALSE(parse_challenge(json::parse(R"({"type":["x"],"url":"u"})")));
  EXPECT_FALSE(parse_order(json::parse(R"({"status":"pending","finalize":7})"), "u"));
  const AcmeProblem p = parse_problem(json::parse(R"({"type":5,"detail":[]})"), 400);
  EXPECT_EQ(p.status, 400);
}

TEST(JsonMemberTypes, JwksSkipsKeysWithMistypedMembers) {
  // "use" and "kty" of the wrong type: the key is unusable, not an exception.
  auto keys = Jwks::parse(R"({"keys":[{"kty":"EC","use":5,"crv":"P-256","x":"AA","y":"AA"},)"
                          R"({"kty":7,"n":"AA","e":"AQAB"}]})");
  if (keys) {
    EXPECT_EQ(keys->size(), 0u);
  }
}

TEST(JsonMemberTypes, CaAnswersMistypedMembersWithProblemDocuments) {
  AcmeServerOptions o;
  o.email_domains = {"example.test"};
  auto env = AcmeTestEnv::start(o);
  RawAcme raw{*env};
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  ASSERT_TRUE(key);
  auto odd =
      raw.post(*key, env->base_url() + "/acme/new-account", R"({"onlyReturnExisting":"yes"})");
  EXPECT_EQ(odd.status, 400);
  EXPECT_EQ(RawAcme::problem_type(odd), "malformed");
  auto created = raw.post(*key, env->base_url() + "/acme/new-account", "{}");
  ASSERT_EQ(created.status, 201);
  const std::string kid = *created.headers.get("Location");
  auto order = raw.post(*key, env->base_url() + "/acme/new-order",
                        R"({"identifiers":[{"type":"dns","value":"room.example.test"}]})", kid);
  ASSERT_EQ(order.status, 201);
  const std::string authz = json::parse(order.body)["authorizations"][0];
  auto deactivate = raw.post(*key, authz, R"({"status":5})", kid);
  EXPECT_EQ(deactivate.status, 400);
  EXPECT_EQ(RawAcme::problem_type(deactivate), "malformed");
  // The JWS header's "alg" of the wrong type.
  JwsHeader header{env->base_url() + "/acme/new-order", raw.nonce(), kid};
  auto jws = sign_jws(*key, header, "{}");
  ASSERT_TRUE(jws);
  json tampered = *jws;
  tampered["protected"] = base64url_encode(as_bytes(json{{"alg", 256}, {"kid", kid}}.dump()));
  auto bad_alg = raw.post_body(env->base_url() + "/acme/new-order", tampered.dump());
  EXPECT_GE(bad_alg.status, 400);
  EXPECT_LT(bad_alg.status, 500);
}

}  // namespace
}  // namespace ztm::identity
