// The ACME CA over real TLS on loopback, driven by ztmeet's ACME client and by hand-
// made JWS requests: protocol rules of RFC 8555 §6–7, problem documents, and the
// provider-01 path end to end (issue, download, revoke, CRL). The http-01/dns-01
// paths are covered with certbot and lego (acme_server_*_interop_test.cc), sso-01
// in sso_challenge_test.cc and with oidc-provider.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "internal/c_acme_test_env.h"
#include "ztm/identity/acme_client.h"
#include "ztm/identity/crl.h"
#include "ztm/identity/profile.h"
#include "ztm/identity/sso_challenge.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using testing::AcmeTestEnv;
using testing::connect;
using testing::new_key;
using testing::RawAcme;

constexpr char kIssuer[] = "https://meet.example.test";

SecretBytes provider_key() {
  return SecretBytes(as_bytes("0123456789abcdef0123456789abcdef-provider"));
}

AcmeServerOptions provider_options() {
  AcmeServerOptions o;
  o.provider = ProviderTokenConfig{provider_key(), kIssuer, std::chrono::seconds(600)};
  o.email_domains = {"example.test"};
  return o;
}

std::string provider_token(const AcmeClient& client, const std::string& email,
                           std::int64_t lifetime = 300) {
  auto jwk = public_jwk(client.account_key());
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return make_provider_token({kIssuer, email, jwk_thumbprint(*jwk), now, now + lifetime},
                             provider_key());
}

class AcmeServerTest : public ::testing::Test {
 protected:
  void SetUp() override { env_ = AcmeTestEnv::start(provider_options()); }
  std::unique_ptr<AcmeTestEnv> env_;
};

TEST_F(AcmeServerTest, DirectoryAndNonces) {
  auto dir = http::request("GET", env_->directory_url(), {}, "", env_->client_options());
  ASSERT_TRUE(dir.has_value());
  auto j = json::parse(dir->body);
  EXPECT_EQ(j["newNonce"], env_->base_url() + "/acme/new-nonce");
  EXPECT_EQ(j["newAccount"], env_->base_url() + "/acme/new-account");
  EXPECT_EQ(j["newOrder"], env_->base_url() + "/acme/new-order");
  EXPECT_EQ(j["revokeCert"], env_->base_url() + "/acme/revoke-cert");
  auto head =
      http::request("HEAD", j["newNonce"].get<std::string>(), {}, "", env_->client_options());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  auto get = http::request("GET", j["newNonce"].get<std::string>(), {}, "", env_->client_options());
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 204);
  EXPECT_NE(head->headers.get("Replay-Nonce"), get->headers.get("Replay-Nonce"));
}

TEST_F(AcmeServerTest, AccountCreateFindAndOnlyReturnExisting) {
  RawAcme raw{*env_};
  auto key = new_key(crypto::SignatureScheme::ed25519);
  const std::string url = env_->base_url() + "/acme/new-account";
  auto missing = raw.post(key, url, R"({"onlyReturnExisting":true})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(RawAcme::problem_type(missing), "accountDoesNotExist");
  auto created =
      raw.post(key, url, R"({"termsOfServiceAgreed":true,"contact":["mailto:a@example.test"]})");
  EXPECT_EQ(created.status, 201);
  auto location = created.headers.get("Location");
  ASSERT_TRUE(location.has_value());
  auto again = raw.post(key, url, R"({"onlyReturnExisting":true})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.headers.get("Location"), location);
}

TEST_F(AcmeServerTest, ReplayedNonceIsBadNonce) {
  RawAcme raw{*env_};
  auto key = new_key();
  const std::string url = env_->base_url() + "/acme/new-account";
  std::string nonce = raw.nonce();
  auto first = raw.post(key, url, "{}", "", nonce);
  EXPECT_EQ(first.status, 201);
  auto replay = raw.post(key, url, "{}", "", nonce);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(RawAcme::problem_type(replay), "badNonce");
  EXPECT_EQ(replay.headers.get("Content-Type"), "application/problem+json");
  EXPECT_TRUE(replay.headers.get("Replay-Nonce").has_value());  // so the client can retry
}

TEST_F(AcmeServerTest, MalformedJwsIsRejected) {
  RawAcme raw{*env_};
  const std::string url = env_->base_url() + "/acme/new-account";
  auto not_json = raw.post_body(url, "{not json");
  EXPECT_EQ(RawAcme::problem_type(not_json), "malformed");
  auto no_signature = raw.post_body(url, R"({"protected":"e30","payload":""})");
  EXPECT_EQ(RawAcme::problem_type(no_signature), "malformed");
  // alg "none" (RFC 8555 §6.2 forbids it).
  json header = {{"alg", "none"},
                 {"nonce", raw.nonce()},
                 {"url", url},
                 {"jwk", {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", std::string(43, 'A')}}}};
  json body = {{"protected", base64url_encode(as_bytes(header.dump()))},
               {"payload", base64url_encode(as_bytes("{}"))},
               {"signature", ""}};
  auto none = raw.post_body(url, body.dump());
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(RawAcme::problem_type(none), "badSignatureAlgorithm");
  // A signature over other bytes.
  auto key = new_key();
  auto jws = sign_jws(key, {url, raw.nonce(), std::nullopt}, "{}");
  ASSERT_TRUE(jws.has_value());
  (*jws)["payload"] = base64url_encode(as_bytes(R"({"contact":[]})"));
  auto tampered = raw.post_body(url, jws->dump());
  EXPECT_EQ(RawAcme::problem_type(tampered), "unauthorized");
}

TEST_F(AcmeServerTest, WrongAccountKeyAndWrongUrlAreUnauthorized) {
  RawAcme raw{*env_};
  auto alice = new_key();
  auto mallory = new_key();
  auto created = raw.post(alice, env_->base_url() + "/acme/new-account", "{}");
  ASSERT_EQ(created.status, 201);
  const std::string kid = *created.headers.get("Location");
  const std::string order_url = env_->base_url() + "/acme/new-order";
  const std::string payload = R"({"identifiers":[{"type":"email","value":"alice@example.test"}]})";
  auto forged = raw.post(mallory, order_url, payload, kid);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(RawAcme::problem_type(forged), "unauthorized");
  // The "url" header names another resource than the one posted to (§6.4).
  JwsHeader header{env_->base_url() + "/acme/revoke-cert", raw.nonce(), kid};
  auto jws = sign_jws(alice, header, payload);
  auto misdirected = raw.post_body(order_url, jws->dump());
  EXPECT_EQ(RawAcme::problem_type(misdirected), "unauthorized");
  // Nothing was ordered by either request.
  auto ok = raw.post(alice, order_url, payload, kid);
  EXPECT_EQ(ok.status, 201);
  auto orders = raw.post(alice, kid + "/orders", "", kid);
  EXPECT_EQ(json::parse(orders.body)["orders"].size(), 1u);
}

TEST_F(AcmeServerTest, OrderIdentifierRules) {
  RawAcme raw{*env_};
  auto key = new_key();
  auto created = raw.post(key, env_->base_url() + "/acme/new-account", "{}");
  const std::string kid = *created.headers.get("Location");
  const std::string url = env_->base_url() + "/acme/new-order";
  auto two = raw.post(key, url,
                      R"({"identifiers":[{"type":"dns","value":"a.example.test"},)"
                      R"({"type":"dns","value":"b.example.test"}]})",
                      kid);
  EXPECT_EQ(RawAcme::problem_type(two), "rejectedIdentifier");
  auto wildcard =
      raw.post(key, url, R"({"identifiers":[{"type":"dns","value":"*.example.test"}]})", kid);
  EXPECT_EQ(RawAcme::problem_type(wildcard), "rejectedIdentifier");
  auto other_domain =
      raw.post(key, url, R"({"identifiers":[{"type":"email","value":"eve@evil.test"}]})", kid);
  EXPECT_EQ(RawAcme::problem_type(other_domain), "rejectedIdentifier");
  auto ip = raw.post(key, url, R"({"identifiers":[{"type":"ip","value":"127.0.0.1"}]})", kid);
  EXPECT_EQ(RawAcme::problem_type(ip), "unsupportedIdentifier");
  auto dns =
      raw.post(key, url, R"({"identifiers":[{"type":"dns","value":"Room1.Example.test"}]})", kid);
  ASSERT_EQ(dns.status, 201);
  auto order = json::parse(dns.body);
  EXPECT_EQ(order["status"], "pending");
  EXPECT_EQ(order["identifiers"][0]["value"], "room1.example.test");
  auto finalize = raw.post(key, order["finalize"].get<std::string>(), R"({"csr":"AA"})", kid);
  EXPECT_EQ(finalize.status, 403);
  EXPECT_EQ(RawAcme::problem_type(finalize), "orderNotReady");
  auto authz = raw.post(key, order["authorizations"][0].get<std::string>(), "", kid);
  auto challenges = json::parse(authz.body)["challenges"];
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0]["type"], "http-01");
  EXPECT_EQ(challenges[1]["type"], "dns-01");
  EXPECT_EQ(challenges[0]["token"].get<std::string>().size(), 22u);  // 128 bits, base64url
}

// Runs provider-01 to a valid order and returns the client and order.
struct Issued {
  AcmeOrder order;
  crypto::SignaturePrivateKey cert_key;
  std::string chain_pem;
};

Issued issue_for(AcmeClient& client, const std::string& email) {
  auto order = client.new_order({{"email", email}});
  if (!order) throw std::runtime_error(order.error().what());
  auto authz = client.get_authorization(order->authorizations.at(0));
  if (!authz) throw std::runtime_error(authz.error().what());
  const AcmeChallenge* provider = nullptr;
  for (const auto& c : authz->challenges) {
    if (c.type == kProvider01) provider = &c;
  }
  if (provider == nullptr) throw std::runtime_error("no provider-01 challenge");
  auto answered =
      client.respond_to_challenge(*provider, {{"token", provider_token(client, email)}});
  if (!answered) throw std::runtime_error(answered.error().what());
  auto key = new_key(crypto::SignatureScheme::ed25519);
  auto csr = make_csr(key, Identity::user(email));
  auto done = client.finalize(*order, *csr);
  if (!done) throw std::runtime_error(done.error().what());
  auto chain = client.download_certificate(*done->certificate);
  if (!chain) throw std::runtime_error(chain.error().what());
  return {*done, key, *chain};
}

TEST_F(AcmeServerTest, ProviderModeIssuesDownloadsRevokesAndPublishesCrl) {
  AcmeClient client = connect(*env_, new_key());
  ASSERT_TRUE(client.new_account({"mailto:alice@example.test"}).has_value());
  Issued issued = issue_for(client, "alice@example.test");
  EXPECT_EQ(issued.order.status, "valid");
  auto chain = parse_pem_certificates(issued.chain_pem);
  ASSERT_TRUE(chain.has_value());
  ASSERT_EQ(chain->size(), 2u);
  auto identity = leaf_identity(chain->at(0));
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(*identity, Identity::user("alice@example.test"));
  EXPECT_EQ(chain->at(1).der(), env_->service->server().ca().certificate().der());
  auto lifetime = chain->at(0).not_after() - chain->at(0).not_before();
  EXPECT_LE(lifetime, std::chrono::hours(24) + std::chrono::minutes(5));

  auto crl_before = http::request("GET", env_->service->crl_url(), {}, "");
  ASSERT_TRUE(crl_before.has_value());
  EXPECT_EQ(crl_before->headers.get("Content-Type"), "application/pkix-crl");

  json revoke = {{"certificate", base64url_encode(chain->at(0).der())}, {"reason", 4}};
  auto revoked = client.post(client.directory().revoke_cert, revoke.dump());
  ASSERT_TRUE(revoked.has_value()) << revoked.error().what();
  EXPECT_EQ(revoked->status, 200);
  auto again = client.post(client.directory().revoke_cert, revoke.dump());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(client.last_problem()->acme_type(), "alreadyRevoked");

  auto crl_after = http::request("GET", env_->service->crl_url(), {}, "");
  ASSERT_TRUE(crl_after.has_value());
  auto crl = Crl::from_der(as_bytes(crl_after->body));
  ASSERT_TRUE(crl.has_value());
  X509_REVOKED* entry = nullptr;
  EXPECT_EQ(X509_CRL_get0_by_cert(crl->x509_crl(), &entry, chain->at(0).x509()), 1);
  EXPECT_EQ(X509_CRL_verify(crl->x509_crl(), X509_get0_pubkey(chain->at(1).x509())), 1);
  // The entry says why: reason 4, superseded (RFC 5280 §5.3.1).
  ASSERT_NE(entry, nullptr);
  auto* reason = static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr));
  ASSERT_NE(reason, nullptr);
  EXPECT_EQ(ASN1_ENUMERATED_get(reason), 4);
  ASN1_ENUMERATED_free(reason);
}

TEST_F(AcmeServerTest, RevocationByCertificateKeyAndRefusalForStrangers) {
  AcmeClient client = connect(*env_, new_key());
  ASSERT_TRUE(client.new_account({}).has_value());
  Issued issued = issue_for(client, "bob@example.test");
  auto chain = parse_pem_certificates(issued.chain_pem);
  json revoke = {{"certificate", base64url_encode(chain->at(0).der())}};
  RawAcme raw{*env_};
  const std::string url = env_->base_url() + "/acme/revoke-cert";
  auto stranger = raw.post(new_key(), url, revoke.dump());
  EXPECT_EQ(RawAcme::problem_type(stranger), "unauthorized");
  auto bad_reason = raw.post(issued.cert_key, url,
                             json{{"certificate", revoke["certificate"]}, {"reason", 2}}.dump());
  EXPECT_EQ(RawAcme::problem_type(bad_reason), "badRevocationReason");
  auto by_cert_key = raw.post(issued.cert_key, url, revoke.dump());
  EXPECT_EQ(by_cert_key.status, 200);
}

TEST_F(AcmeServerTest, ProviderTokenForAnotherAccountIssuesNothing) {
  AcmeClient alice = connect(*env_, new_key());
  AcmeClient mallory = connect(*env_, new_key());
  ASSERT_TRUE(alice.new_account({}).has_value());
  ASSERT_TRUE(mallory.new_account({}).has_value());
  auto order = mallory.new_order({{"email", "alice@example.test"}});
  ASSERT_TRUE(order.has_value());
  auto authz = mallory.get_authorization(order->authorizations.at(0));
  ASSERT_TRUE(authz.has_value());
  // Mallory replays a token the meeting service gave Alice's account.
  auto answered = mallory.respond_to_challenge(
      authz->challenges.at(0), {{"token", provider_token(alice, "alice@example.test")}});
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->status, "invalid");
  ASSERT_TRUE(answered->error.has_value());
  EXPECT_EQ(answered->error->acme_type(), "unauthorized");
  auto csr = make_csr(new_key(), Identity::user("alice@example.test"));
  auto current = mallory.get_order(order->url);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->status, "invalid");
  EXPECT_FALSE(mallory.finalize(*order, *csr).has_value());
  // The server itself refuses to finalize (the client above may stop earlier).
  RawAcme raw{*env_};
  auto direct = raw.post(mallory.account_key(), order->finalize,
                         json{{"csr", base64url_encode(*csr)}}.dump(), mallory.account_url());
  EXPECT_EQ(RawAcme::problem_type(direct), "orderNotReady");
}

TEST_F(AcmeServerTest, CsrMustNameTheOrderedIdentity) {
  AcmeClient client = connect(*env_, new_key());
  ASSERT_TRUE(client.new_account({}).has_value());
  auto order = client.new_order({{"email", "carol@example.test"}});
  ASSERT_TRUE(order.has_value());
  auto authz = client.get_authorization(order->authorizations.at(0));
  ASSERT_TRUE(client
                  .respond_to_challenge(authz->challenges.at(0),
                                        {{"token", provider_token(client, "carol@example.test")}})
                  .has_value());
  auto wrong = make_csr(new_key(), Identity::user("dave@example.test"));
  EXPECT_FALSE(client.finalize(*order, *wrong).has_value());
  EXPECT_EQ(client.last_problem()->acme_type(), "badCSR");
  // The account key itself may not be certified (§11.1).
  auto own = make_csr(client.account_key(), Identity::user("carol@example.test"));
  EXPECT_FALSE(client.finalize(*order, *own).has_value());
  EXPECT_EQ(client.last_problem()->acme_type(), "badCSR");
}

TEST(ProviderToken, VerifiesAndRejects) {
  const std::int64_t now = 1'800'000'000;
  ProviderTokenClaims claims{kIssuer, "a@example.test", "thumb", now, now + 300};
  std::string token = make_provider_token(claims, provider_key());
  auto good = verify_provider_token(token, provider_key(), kIssuer, now, std::chrono::seconds(600));
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->email, "a@example.test");
  EXPECT_EQ(
      verify_provider_token(token, provider_key(), kIssuer, now + 301, std::chrono::seconds(600))
          .error()
          .code,
      Errc::expired);
  EXPECT_EQ(verify_provider_token(token, SecretBytes(as_bytes("another key of 32 bytes........")),
                                  kIssuer, now, std::chrono::seconds(600))
                .error()
                .code,
            Errc::authentication_failed);
  EXPECT_EQ(
      verify_provider_token(token, provider_key(), "https://other", now, std::chrono::seconds(600))
          .error()
          .code,
      Errc::untrusted);
  EXPECT_FALSE(verify_provider_token(token, provider_key(), kIssuer, now, std::chrono::seconds(60))
                   .has_value());
}

}  // namespace
}  // namespace ztm::identity
