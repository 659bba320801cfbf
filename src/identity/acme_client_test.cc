// The ACME client against a scripted server on loopback: nonce handling, problem
// documents, polling. Pebble tests (acme_pebble_interop_test.cc) cover the full flow.
#include "ztm/identity/acme_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "ztm/http/server.h"
#include "ztm/identity/jws.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;

// FakeAcme answers the directory, newNonce and a few scripted resources. Every POST
// is parsed and verified as a server must, so the client's JWSs are checked too.
class FakeAcme {
 public:
  FakeAcme() {
    auto s = http::HttpServer::start({}, [this](const http::Request& r) { return handle(r); });
    EXPECT_TRUE(s);
    server_ = std::move(*s);
    base_ = server_->base_url();
  }
  std::string url(std::string_view path) const { return base_ + std::string(path); }

  std::atomic<int> bad_nonces_to_send{0};
  std::atomic<int> pending_polls{0};
  std::atomic<int> posts{0};
  std::atomic<int> verify_failures{0};
  std::string retry_after = "0";
  bool fail_authorization = false;

 private:
  http::Response problem(int status, const std::string& type, const std::string& detail,
                         json extra = json::object()) {
    json body = {
        {"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}, {"status", status}};
    for (const auto& [k, v] : extra.items()) body[k] = v;
    return http::Response{
        status,
        {{"Content-Type", "application/problem+json"}, {"Replay-Nonce", fresh_nonce()}},
        body.dump()};
  }
  std::string fresh_nonce() {
    return base64url_encode(as_bytes("nonce-" + std::to_string(++nonce_counter_)));
  }

  http::Response handle(const http::Request& r) {
    std::lock_guard lock(mutex_);
    if (r.target == "/dir") {
      return {200,
              {{"Content-Type", "application/json"}},
              json{{"newNonce", url("/nonce")},
                   {"newAccount", url("/account")},
                   {"newOrder", url("/order")},
                   {"meta", {{"termsOfService", url("/tos")}}}}
                  .dump()};
    }
    if (r.target == "/nonce") return {200, {{"Replay-Nonce", fresh_nonce()}}, ""};
    ++posts;
    auto parsed = parse_jws(r.body);
    if (!parsed || parsed->url != url(r.target)) {
      ++verify_failures;
      return problem(400, "malformed", "bad JWS");
    }
    if (parsed->jwk) account_key_ = *parsed->jwk;
    if (!account_key_ || !verify_jws(*parsed, *account_key_)) {
      ++verify_failures;
      return problem(401, "unauthorized", "bad signature");
    }
    if (bad_nonces_to_send > 0) {
      --bad_nonces_to_send;
      return problem(400, "badNonce", "JWS has an invalid anti-replay nonce");
    }
    if (r.target == "/account") {
      return {
          201,
          {{"Location", url("/acct/1")}, {"Replay-Nonce", fresh_nonce()}},
          json{{"status", "valid"}, {"contact", json::array({"mailto:a@example.test"})}}.dump()};
    }
    if (r.target == "/order") {
      return problem(400, "rejectedIdentifier", "policy forbids these names",
                     {{"subproblems",
                       json::array({{{"type", "urn:ietf:params:acme:error:rejectedIdentifier"},
                                     {"detail", "not ours"},
                                     {"identifier", {{"type", "dns"}, {"value", "bad.test"}}}}})}});
    }
    if (r.target == "/authz/1") {
      std::string status = "pending";
      json challenge = {
          {"type", "http-01"}, {"url", url("/chall/1")}, {"status", "pending"}, {"token", "tok"}};
      if (pending_polls > 0) {
        --pending_polls;
      } else if (fail_authorization) {
        status = "invalid";
        challenge["status"] = "invalid";
        challenge["error"] = {{"type", "urn:ietf:params:acme:error:incorrectResponse"},
                              {"detail", "key authorization mismatch"}};
      } else {
        status = "valid";
        challenge["status"] = "valid";
      }
      return {200,
              {{"Replay-Nonce", fresh_nonce()}, {"Retry-After", retry_after}},
              json{{"status", status},
                   {"identifier", {{"type", "dns"}, {"value", "d.example.test"}}},
                   {"challenges", json::array({challenge})}}
                  .dump()};
    }
    return problem(404, "malformed", "no such resource");
  }

  std::mutex mutex_;
  int nonce_counter_ = 0;
  std::optional<PublicJwk> account_key_;
  std::unique_ptr<http::HttpServer> server_;
  std::string base_;
};

AcmeClient connect_to(const FakeAcme& fake,
                      crypto::SignatureScheme scheme = crypto::SignatureScheme::ed25519) {
  AcmeClientOptions o;
  o.directory_url = fake.url("/dir");
  o.default_poll_interval = std::chrono::milliseconds(10);
  o.poll_timeout = std::chrono::seconds(5);
  auto key = crypto::SignaturePrivateKey::generate(scheme);
  EXPECT_TRUE(key);
  auto client = AcmeClient::connect(o, std::move(*key));
  EXPECT_TRUE(client) << client.error().what();
  return std::move(*client);
}

TEST(AcmeClient, ReadsDirectoryAndRegistersWithBothKeyTypes) {
  FakeAcme fake;
  for (auto scheme :
       {crypto::SignatureScheme::ed25519, crypto::SignatureScheme::ecdsa_secp256r1_sha256}) {
    auto client = connect_to(fake, scheme);
    EXPECT_EQ(client.directory().terms_of_service, fake.url("/tos"));
    auto account = client.new_account({"mailto:a@example.test"});
    ASSERT_TRUE(account) << account.error().what();
    EXPECT_EQ(account->url, fake.url("/acct/1"));
    EXPECT_EQ(client.account_url(), fake.url("/acct/1"));
  }
  EXPECT_EQ(fake.verify_failures.load(), 0);
}

TEST(AcmeClient, RetriesOnceOnBadNonce) {
  FakeAcme fake;
  auto client = connect_to(fake);
  fake.bad_nonces_to_send = 1;
  auto account = client.new_account({});
  ASSERT_TRUE(account) << account.error().what();
  EXPECT_EQ(client.retried_bad_nonces(), 1);
  EXPECT_EQ(fake.posts.load(), 2);
  EXPECT_FALSE(client.last_problem());
}

TEST(AcmeClient, SecondBadNonceIsAnError) {
  FakeAcme fake;
  auto client = connect_to(fake);
  fake.bad_nonces_to_send = 2;
  auto account = client.new_account({});
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error().code, Errc::replay);
  ASSERT_TRUE(client.last_problem());
  EXPECT_EQ(client.last_problem()->acme_type(), "badNonce");
  EXPECT_EQ(fake.posts.load(), 2);
}

TEST(AcmeClient, ProblemDocumentsBecomeTypedErrors) {
  FakeAcme fake;
  auto client = connect_to(fake);
  ASSERT_TRUE(client.new_account({}));
  auto order = client.new_order({{"dns", "bad.test"}});
  ASSERT_FALSE(order);
  EXPECT_EQ(order.error().code, Errc::untrusted);
  EXPECT_NE(order.error().message.find("rejectedIdentifier: policy forbids these names"),
            std::string::npos)
      << order.error().message;
  EXPECT_NE(order.error().message.find("bad.test"), std::string::npos);
  ASSERT_TRUE(client.last_problem());
  EXPECT_EQ(client.last_problem()->status, 400);
  ASSERT_EQ(client.last_problem()->subproblems.size(), 1u);
  EXPECT_EQ(client.last_problem()->subproblems[0].identifier->value, "bad.test");
}

TEST(AcmeClient, PollsAuthorizationUntilValid) {
  FakeAcme fake;
  auto client = connect_to(fake);
  ASSERT_TRUE(client.new_account({}));
  fake.pending_polls = 3;
  auto authz = client.wait_for_authorization(fake.url("/authz/1"));
  ASSERT_TRUE(authz) << authz.error().what();
  EXPECT_EQ(authz->status, "valid");
  EXPECT_EQ(fake.pending_polls.load(), 0);
}

TEST(AcmeClient, InvalidAuthorizationCarriesTheChallengeProblem) {
  FakeAcme fake;
  auto client = connect_to(fake);
  ASSERT_TRUE(client.new_account({}));
  fake.fail_authorization = true;
  auto authz = client.wait_for_authorization(fake.url("/authz/1"));
  ASSERT_FALSE(authz);
  EXPECT_EQ(authz.error().code, Errc::authentication_failed);
  EXPECT_NE(authz.error().message.find("key authorization mismatch"), std::string::npos);
  EXPECT_EQ(client.last_problem()->acme_type(), "incorrectResponse");
}

TEST(AcmeClient, PollingIsBoundedByTheTimeout) {
  FakeAcme fake;
  AcmeClientOptions o;
  o.directory_url = fake.url("/dir");
  o.max_poll_interval = std::chrono::milliseconds(50);
  o.poll_timeout = std::chrono::milliseconds(300);
  auto client = AcmeClient::connect(
      o, *crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519));
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->new_account({}));
  fake.pending_polls = 1000;
  fake.retry_after = "30";  // capped at max_poll_interval
  const auto start = std::chrono::steady_clock::now();
  auto authz = client->wait_for_authorization(fake.url("/authz/1"));
  ASSERT_FALSE(authz);
  EXPECT_EQ(authz.error().code, Errc::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(AcmeClient, RefusesAccountKeysJwsCannotExpress) {
  FakeAcme fake;
  AcmeClientOptions o;
  o.directory_url = fake.url("/dir");
  auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed448);
  ASSERT_TRUE(key);
  auto client = AcmeClient::connect(o, std::move(*key));
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::unsupported);
}

TEST(AcmeRetryAfter, SecondsAndHttpDates) {
  const auto now =
      std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("120", now), std::chrono::milliseconds(120'000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), std::chrono::milliseconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            std::chrono::milliseconds(10'000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("", now));
}

TEST(AcmeClient, KeyAuthorizationUsesTheThumbprint) {
  FakeAcme fake;
  auto client = connect_to(fake);
  const auto jwk = public_jwk(client.account_key());
  ASSERT_TRUE(jwk);
  EXPECT_EQ(client.key_authorization("tok"), "tok." + jwk_thumbprint(*jwk));
  EXPECT_EQ(client.dns01_txt_value("tok").size(), 43u);  // base64url of 32 bytes
}

}  // namespace
}  // namespace ztm::identity
