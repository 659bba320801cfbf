#include "ztm/identity/acme_types.h"

#include <gtest/gtest.h>

namespace ztm::identity {
namespace {

using json = nlohmann::json;

TEST(AcmeTypes, ParsesAnOrderAndRejectsMissingMembers) {
  const json j = json::parse(R"({"status":"pending","expires":"2026-01-01T00:00:00Z",
    "identifiers":[{"type":"dns","value":"d.example.test"},{"type":"email","value":"a@example.test"}],
    "authorizations":["https://ca/authz/1","https://ca/authz/2"],"finalize":"https://ca/fin/1"})");
  auto o = parse_order(j, "https://ca/order/1");
  ASSERT_TRUE(o) << o.error().what();
  EXPECT_EQ(o->url, "https://ca/order/1");
  ASSERT_EQ(o->identifiers.size(), 2u);
  EXPECT_EQ(o->identifiers[1], (AcmeIdentifier{"email", "a@example.test"}));
  EXPECT_EQ(o->authorizations.size(), 2u);
  EXPECT_FALSE(o->certificate);
  for (const char* member : {"status", "finalize", "identifiers", "authorizations"}) {
    json broken = j;
    broken.erase(member);
    auto r = parse_order(broken, "u");
    ASSERT_FALSE(r) << member;
    EXPECT_EQ(r.error().code, Errc::protocol_violation);
  }
}

TEST(AcmeTypes, ChallengeKeepsUnknownMembersForExtensions) {
  const json j = {{"type", "sso-01"},
                  {"url", "https://ca/ch/1"},
                  {"status", "pending"},
                  {"authorization_endpoint", "https://idp/auth"}};
  auto c = parse_challenge(j);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->token.empty());
  EXPECT_EQ(c->raw["authorization_endpoint"], "https://idp/auth");
}

TEST(AcmeTypes, ProblemMapping) {
  const json j =
      json::parse(R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"})");
  const AcmeProblem p = parse_problem(j, 429);
  EXPECT_EQ(p.status, 429);
  EXPECT_EQ(p.acme_type(), "rateLimited");
  EXPECT_EQ(p.errc(), Errc::limit_exceeded);
  EXPECT_EQ(p.to_error().message, "acme rateLimited: slow down");
  const AcmeProblem other = parse_problem(json{{"type", "https://example.test/oops"}}, 500);
  EXPECT_EQ(other.acme_type(), "");
  EXPECT_EQ(other.errc(), Errc::protocol_violation);
  EXPECT_EQ(parse_problem(json::parse(to_json(p).dump()), 0).detail, "slow down");
}

TEST(AcmeTypes, DirectoryNeedsItsCoreUrls) {
  auto d = parse_directory(json{{"newNonce", "n"},
                                {"newAccount", "a"},
                                {"newOrder", "o"},
                                {"meta", {{"externalAccountRequired", true}}}});
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->external_account_required);
  EXPECT_FALSE(parse_directory(json{{"newNonce", "n"}}));
  EXPECT_FALSE(parse_directory(json::array()));
}

}  // namespace
}  // namespace ztm::identity
