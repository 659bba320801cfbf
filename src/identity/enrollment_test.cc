// enroll() end to end against a scripted CA that offers only an extension challenge
// (an sso-01 stand-in), issuing with the credential profile's issue_certificate.
// Pebble tests cover http-01 and dns-01 against a real CA.
#include "ztm/identity/enrollment.h"

#include <gtest/gtest.h>

#include <mutex>

#include "ztm/http/server.h"
#include "ztm/identity/jws.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {
namespace {

using json = nlohmann::json;
using crypto::SignaturePrivateKey;
using crypto::SignatureScheme;

class ExtensionCa {
 public:
  ExtensionCa() {
    ca_key_ = *SignaturePrivateKey::generate(SignatureScheme::ecdsa_secp256r1_sha256);
    const auto now = std::chrono::system_clock::now();
    validity_ = {now - std::chrono::minutes(1), now + std::chrono::hours(24)};
    const std::vector<std::string> domains{"example.test"};
    auto ca = make_ca_certificate(ca_key_, "Test CA", "Example Test", validity_, domains, Bytes{1});
    EXPECT_TRUE(ca) << ca.error().what();
    ca_ = *ca;
    auto s = http::HttpServer::start({}, [this](const http::Request& r) { return handle(r); });
    EXPECT_TRUE(s);
    server_ = std::move(*s);
  }
  std::string url(std::string_view path) const { return server_->base_url() + std::string(path); }

  json posted_challenge_payload;

 private:
  http::Response reply(int status, json body, http::Headers extra = {}) {
    extra.set("Replay-Nonce", nonce());
    extra.set("Content-Type", "application/json");
    return {status, extra, body.dump()};
  }
  std::string nonce() { return base64url_encode(as_bytes("n" + std::to_string(++nonces_))); }
  json order_json() {
    json o = {{"status", certificate_.empty() ? (authz_valid_ ? "ready" : "pending") : "valid"},
              {"identifiers", json::array({{{"type", "email"}, {"value", "alice@example.test"}}})},
              {"authorizations", json::array({url("/authz/1")})},
              {"finalize", url("/finalize/1")}};
    if (!certificate_.empty()) o["certificate"] = url("/cert/1");
    return o;
  }

  http::Response handle(const http::Request& r) {
    std::lock_guard lock(mutex_);
    if (r.target == "/dir") {
      return reply(200, {{"newNonce", url("/nonce")},
                         {"newAccount", url("/account")},
                         {"newOrder", url("/order")}});
    }
    if (r.target == "/nonce") return {200, {{"Replay-Nonce", nonce()}}, ""};
    auto parsed = parse_jws(r.body);
    if (!parsed)
      return reply(400, {{"type", "urn:ietf:params:acme:error:malformed"}, {"detail", "bad jws"}});
    if (parsed->jwk) account_ = *parsed->jwk;
    if (!account_ || !verify_jws(*parsed, *account_)) {
      return reply(
          401, {{"type", "urn:ietf:params:acme:error:unauthorized"}, {"detail", "bad signature"}});
    }
    const json payload = json::parse(parsed->payload.empty() ? "null" : parsed->payload);
    if (r.target == "/account")
      return reply(201, {{"status", "valid"}}, {{"Location", url("/acct/1")}});
    if (r.target == "/order") return reply(201, order_json(), {{"Location", url("/order/1")}});
    if (r.target == "/order/1") return reply(200, order_json());
    if (r.target == "/authz/1") {
      return reply(200,
                   {{"status", authz_valid_ ? "valid" : "pending"},
                    {"identifier", {{"type", "email"}, {"value", "alice@example.test"}}},
                    {"challenges", json::array({{{"type", "sso-01"},
                                                 {"url", url("/chall/1")},
                                                 {"status", authz_valid_ ? "valid" : "pending"},
                                                 {"token", "tok1"},
                                                 {"idp", "https://idp.example.test"}}})}});
    }
    if (r.target == "/chall/1") {
      posted_challenge_payload = payload;
      authz_valid_ = payload.value("id_token", "") == "good-token";
      return reply(200, {{"type", "sso-01"},
                         {"url", url("/chall/1")},
                         {"status", "processing"},
                         {"token", "tok1"}});
    }
    if (r.target == "/finalize/1") {
      auto csr = base64url_decode(payload.value("csr", ""));
      if (!csr)
        return reply(400,
                     {{"type", "urn:ietf:params:acme:error:badCSR"}, {"detail", "not base64url"}});
      // The leaf's validity must lie inside the CA's.
      const Validity leaf{validity_.not_before + std::chrono::minutes(1),
                          validity_.not_after - std::chrono::hours(1)};
      IssueOptions io{leaf, Bytes{0x42, 0x17}, std::nullopt};
      auto cert = issue_certificate(*csr, ca_key_, *ca_, io);
      if (!cert)
        return reply(
            400, {{"type", "urn:ietf:params:acme:error:badCSR"}, {"detail", cert.error().what()}});
      certificate_ = cert->pem() + ca_->pem();
      return reply(200, order_json());
    }
    if (r.target == "/cert/1") {
      return {200,
              {{"Content-Type", "application/pem-certificate-chain"}, {"Replay-Nonce", nonce()}},
              certificate_};
    }
    return reply(
        404, {{"type", "urn:ietf:params:acme:error:malformed"}, {"detail", "no such resource"}});
  }

  std::mutex mutex_;
  int nonces_ = 0;
  std::optional<PublicJwk> account_;
  bool authz_valid_ = false;
  std::string certificate_;
  SignaturePrivateKey ca_key_ = *SignaturePrivateKey::generate(SignatureScheme::ed25519);
  std::optional<Certificate> ca_;
  Validity validity_;
  std::unique_ptr<http::HttpServer> server_;
};

EnrollmentOptions options_for(const ExtensionCa& ca) {
  EnrollmentOptions o;
  o.acme.directory_url = ca.url("/dir");
  o.acme.default_poll_interval = std::chrono::milliseconds(10);
  o.acme.poll_timeout = std::chrono::seconds(10);
  o.identifiers = {{"email", "alice@example.test"}};
  o.challenge_type = "sso-01";
  return o;
}

TEST(Enrollment, ExtensionChallengeSolverGetsTheChallengeAndPostsItsPayload) {
  ExtensionCa ca;
  EnrollmentOptions o = options_for(ca);
  o.signature_scheme = SignatureScheme::ecdsa_secp256r1_sha256;
  std::string seen_idp, seen_key_authorization;
  AcmeIdentifier seen_identifier;
  o.extension = [&](const AcmeChallenge& c, const AcmeIdentifier& id,
                    const std::string& key_authorization) -> Result<json> {
    seen_idp = c.raw.value("idp", "");
    seen_identifier = id;
    seen_key_authorization = key_authorization;
    return json{{"id_token", "good-token"}};
  };
  std::vector<std::string> progress;
  o.acme.progress = [&](std::string_view line) { progress.emplace_back(line); };
  auto e = enroll(o);
  ASSERT_TRUE(e) << e.error().what();
  EXPECT_EQ(seen_idp, "https://idp.example.test");
  EXPECT_EQ(seen_identifier, (AcmeIdentifier{"email", "alice@example.test"}));
  EXPECT_EQ(seen_key_authorization.rfind("tok1.", 0), 0u);
  EXPECT_EQ(ca.posted_challenge_payload, (json{{"id_token", "good-token"}}));
  EXPECT_EQ(e->signature_key.scheme(), SignatureScheme::ecdsa_secp256r1_sha256);
  auto chain = parse_pem_certificates(e->chain_pem);
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(leaf_identity(chain->front()), Identity::user("alice@example.test"));
  EXPECT_FALSE(progress.empty());
  for (const auto& line : progress) EXPECT_EQ(line.find("PRIVATE"), std::string::npos);
}

TEST(Enrollment, FailedExtensionProofIsReportedAndNothingIsIssued) {
  ExtensionCa ca;
  EnrollmentOptions o = options_for(ca);
  o.extension = [](const AcmeChallenge&, const AcmeIdentifier&,
                   const std::string&) -> Result<json> {
    return json{{"id_token", "forged"}};
  };
  o.acme.poll_timeout = std::chrono::milliseconds(300);
  auto e = enroll(o);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::timeout);  // the scripted CA leaves it pending
}

TEST(Enrollment, UnofferedChallengeTypeIsUnsupported) {
  ExtensionCa ca;
  EnrollmentOptions o = options_for(ca);
  o.challenge_type = "dns-01";
  o.dns01.present = [](const std::string&, const std::string&) -> Result<void> { return ok(); };
  auto e = enroll(o);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::unsupported);
  EXPECT_NE(e.error().message.find("offers sso-01"), std::string::npos) << e.error().message;
}

TEST(Enrollment, ExtensionTypeWithoutSolverAndBadIdentifiersAreRefused) {
  ExtensionCa ca;
  EnrollmentOptions o = options_for(ca);
  auto e = enroll(o);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::unsupported);
  o.identifiers = {};
  EXPECT_EQ(enroll(o).error().code, Errc::invalid_argument);
  o.identifiers = {{"ip", "127.0.0.1"}};
  EXPECT_EQ(enroll(o).error().code, Errc::unsupported);
}

}  // namespace
}  // namespace ztm::identity
