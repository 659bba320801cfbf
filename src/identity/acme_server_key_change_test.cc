// Account key rollover (RFC 8555 §7.3.5) on the ztmeet CA over real TLS: with
// ztmeet's ACME client, and with hand-made requests for each check of §7.3.5.
// The client's side is also run against Pebble (acme_pebble_interop_test.cc).
#include <gtest/gtest.h>

#include "internal/c_acme_test_env.h"
#include "ztm/identity/acme_client.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using testing::AcmeTestEnv;
using testing::connect;
using testing::new_key;
using testing::RawAcme;

class AcmeKeyChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AcmeServerOptions o;
    o.email_domains = {"example.test"};
    env_ = AcmeTestEnv::start(o);
  }
  std::string key_change_url() const { return env_->base_url() + "/acme/key-change"; }

  // inner makes the inner JWS: signed by `key`, with its jwk, over the keyChange object.
  json inner(const crypto::SignaturePrivateKey& key, const json& change,
             std::optional<std::string> nonce = std::nullopt, std::string url = {}) const {
    auto jws = sign_jws(key, JwsHeader{url.empty() ? key_change_url() : url, nonce, std::nullopt},
                        change.dump());
    EXPECT_TRUE(jws.has_value());
    return *jws;
  }
  static json change_of(const std::string& account, const crypto::SignaturePrivateKey& old) {
    return {{"account", account}, {"oldKey", jwk_to_json(*public_jwk(old))}};
  }

  std::unique_ptr<AcmeTestEnv> env_;
};

TEST_F(AcmeKeyChangeTest, ClientRollsOverAndTheAccountKeepsItsOrders) {
  EXPECT_NE(env_->directory_url(), "");
  auto old_key = new_key();
  const auto old_copy = old_key;
  auto client = connect(*env_, std::move(old_key));
  ASSERT_FALSE(client.directory().key_change.empty());
  auto account = client.new_account({"mailto:alice@example.test"});
  ASSERT_TRUE(account) << account.error().what();
  auto order = client.new_order({{"dns", "room1.example.test"}});
  ASSERT_TRUE(order) << order.error().what();

  auto fresh = new_key(crypto::SignatureScheme::ed25519);
  const auto fresh_copy = fresh;
  auto changed = client.change_key(std::move(fresh));
  ASSERT_TRUE(changed) << changed.error().what();

  // The same account, found with the new key; its order is still there.
  auto again = connect(*env_, fresh_copy);
  auto found = again.new_account({}, true, /*only_return_existing=*/true);
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ(found->url, account->url);
  auto same_order = client.get_order(order->url);
  ASSERT_TRUE(same_order) << same_order.error().what();
  EXPECT_EQ(same_order->status, order->status);
  // The old key no longer names any account.
  auto by_old = connect(*env_, old_copy);
  auto lost = by_old.new_account({}, true, true);
  ASSERT_FALSE(lost);
  ASSERT_TRUE(by_old.last_problem().has_value());
  EXPECT_EQ(by_old.last_problem()->acme_type(), "accountDoesNotExist");
  // A request signed with the old key under the account's kid is refused.
  RawAcme raw{*env_};
  auto stale =
      raw.post(old_copy, env_->base_url() + "/acme/new-order",
               R"({"identifiers":[{"type":"dns","value":"room1.example.test"}]})", account->url);
  // (The account's key is Ed25519 now: an ES256 signature is the wrong algorithm.)
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(RawAcme::problem_type(stale), "badSignatureAlgorithm");
}

TEST_F(AcmeKeyChangeTest, KeyOfAnotherAccountIsAConflictNamingThatAccount) {
  auto alice_key = new_key();
  auto bob_key = new_key();
  auto alice = connect(*env_, alice_key);
  auto bob = connect(*env_, bob_key);
  ASSERT_TRUE(alice.new_account({}));
  auto bob_account = bob.new_account({});
  ASSERT_TRUE(bob_account);
  auto taken = alice.change_key(bob_key);
  ASSERT_FALSE(taken);
  ASSERT_TRUE(alice.last_problem().has_value());
  EXPECT_EQ(alice.last_problem()->status, 409);
  // Alice still signs with her own key, which still works.
  EXPECT_TRUE(alice.new_order({{"dns", "room1.example.test"}}));
  RawAcme raw{*env_};
  const auto account = alice.account_url();
  auto response = raw.post(alice_key, key_change_url(),
                           inner(bob_key, change_of(account, alice_key)).dump(), account);
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(response.headers.get("Location"), bob_account->url);
}

TEST_F(AcmeKeyChangeTest, EachCheckOfSection735Refuses) {
  RawAcme raw{*env_};
  auto key = new_key();
  auto created = raw.post(key, env_->base_url() + "/acme/new-account", "{}");
  ASSERT_EQ(created.status, 201);
  const std::string kid = *created.headers.get("Location");
  auto other = new_key();
  auto other_created = raw.post(other, env_->base_url() + "/acme/new-account", "{}");
  const std::string other_kid = *other_created.headers.get("Location");
  auto fresh = new_key(crypto::SignatureScheme::ed25519);
  auto send = [&](const json& body) { return raw.post(key, key_change_url(), body.dump(), kid); };

  // 2: the payload is not a JWS.
  EXPECT_EQ(RawAcme::problem_type(send({{"account", kid}})), "malformed");
  // 3: the inner JWS names a kid instead of carrying a jwk.
  {
    auto jws =
        sign_jws(fresh, JwsHeader{key_change_url(), std::nullopt, kid}, change_of(kid, key).dump());
    EXPECT_EQ(RawAcme::problem_type(send(*jws)), "malformed");
  }
  // The inner JWS has a nonce.
  EXPECT_EQ(RawAcme::problem_type(send(inner(fresh, change_of(kid, key), raw.nonce()))),
            "malformed");
  // 4: the inner signature is not the new key's.
  {
    json tampered = inner(fresh, change_of(kid, key));
    tampered["payload"] = base64url_encode(as_bytes(change_of(other_kid, key).dump()));
    auto r = send(tampered);
    EXPECT_GE(r.status, 400);
    EXPECT_NE(r.status, 200);
  }
  // 5: no oldKey.
  EXPECT_EQ(RawAcme::problem_type(send(inner(fresh, {{"account", kid}}))), "malformed");
  // 6: the inner url differs.
  EXPECT_EQ(RawAcme::problem_type(send(inner(fresh, change_of(kid, key), std::nullopt,
                                             env_->base_url() + "/acme/new-order"))),
            "malformed");
  // 7: the account is another one.
  EXPECT_EQ(RawAcme::problem_type(send(inner(fresh, change_of(other_kid, key)))), "unauthorized");
  // 8: oldKey is not the account's key.
  EXPECT_EQ(RawAcme::problem_type(send(inner(fresh, change_of(kid, other)))), "unauthorized");
  // Signed by the account's key, but under another account's kid: the outer check.
  auto foreign =
      raw.post(key, key_change_url(), inner(fresh, change_of(other_kid, other)).dump(), other_kid);
  EXPECT_EQ(foreign.status, 403);

  // None of them changed anything: the account still answers to its old key only.
  auto still = raw.post(key, kid, "", kid);
  EXPECT_EQ(still.status, 200);
  auto by_fresh =
      raw.post(fresh, env_->base_url() + "/acme/new-account", R"({"onlyReturnExisting":true})");
  EXPECT_EQ(RawAcme::problem_type(by_fresh), "accountDoesNotExist");
  // And the well-formed request succeeds.
  auto good = send(inner(fresh, change_of(kid, key)));
  EXPECT_EQ(good.status, 200) << good.body;
  auto by_fresh_now =
      raw.post(fresh, env_->base_url() + "/acme/new-account", R"({"onlyReturnExisting":true})");
  EXPECT_EQ(by_fresh_now.status, 200);
  EXPECT_EQ(by_fresh_now.headers.get("Location"), kid);
}

}  // namespace
}  // namespace ztm::identity
