// c_oidc_test_idp: test-only helpers for OIDC — signing keys (RS256, ES256) that
// publish their JWKS and sign ID tokens with any claims, and FakeIdp, a tiny OIDC
// provider on loopback (discovery, JWKS, token endpoint with a PKCE check) whose
// next ID token a test chooses. Header-only; included by *_test.cc files only.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "internal/c_form.h"
#include "ztm/http/server.h"
#include "ztm/identity/jws.h"
#include "ztm/identity/oidc.h"

namespace ztm::identity::testing {

// TestSigningKey is an RS256 or ES256 key with a kid.
class TestSigningKey {
 public:
  enum class Alg { rs256, es256 };

  TestSigningKey(Alg alg, std::string kid) : alg_(alg), kid_(std::move(kid)) {
    key_ = alg == Alg::rs256 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    if (key_ == nullptr) throw std::runtime_error("keygen failed");
  }
  ~TestSigningKey() { EVP_PKEY_free(key_); }
  TestSigningKey(const TestSigningKey&) = delete;
  TestSigningKey& operator=(const TestSigningKey&) = delete;

  const std::string& kid() const { return kid_; }

  // jwk is the public key as a JWK.
  nlohmann::json jwk() const {
    if (alg_ == Alg::rs256) {
      return {{"kty", "RSA"},
              {"kid", kid_},
              {"use", "sig"},
              {"alg", "RS256"},
              {"n", base64url_encode(bn_param(OSSL_PKEY_PARAM_RSA_N, 0))},
              {"e", base64url_encode(bn_param(OSSL_PKEY_PARAM_RSA_E, 0))}};
    }
    return {{"kty", "EC"},
            {"crv", "P-256"},
            {"kid", kid_},
            {"use", "sig"},
            {"alg", "ES256"},
            {"x", base64url_encode(bn_param(OSSL_PKEY_PARAM_EC_PUB_X, 32))},
            {"y", base64url_encode(bn_param(OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  }

  // sign makes a compact JWS (a JWT) over claims; header_kid overrides the kid.
  std::string sign(const nlohmann::json& claims) const {
    nlohmann::json header = {
        {"alg", alg_ == Alg::rs256 ? "RS256" : "ES256"}, {"typ", "JWT"}, {"kid", kid_}};
    std::string input =
        base64url_encode(as_bytes(header.dump())) + "." + base64url_encode(as_bytes(claims.dump()));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    Bytes sig;
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_) != 1 ||
        EVP_DigestSign(ctx, nullptr, &len, as_bytes(input).data(), input.size()) != 1) {
      EVP_MD_CTX_free(ctx);
      throw std::runtime_error("sign failed");
    }
    sig.resize(len);
    EVP_DigestSign(ctx, sig.data(), &len, as_bytes(input).data(), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (alg_ == Alg::es256) sig = ecdsa_der_to_raw(sig, 32).value();
    return input + "." + base64url_encode(sig);
  }

 private:
  Bytes bn_param(const char* name, std::size_t pad_to) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key_, name, &bn) != 1) throw std::runtime_error("bn param");
    std::size_t size = std::max<std::size_t>(pad_to, static_cast<std::size_t>(BN_num_bytes(bn)));
    Bytes out(size);
    BN_bn2binpad(bn, out.data(), static_cast<int>(size));
    BN_free(bn);
    return out;
  }

  Alg alg_;
  std::string kid_;
  EVP_PKEY* key_ = nullptr;
};

// FakeIdp serves discovery, a JWKS and a token endpoint on plain HTTP loopback. The
// token endpoint checks the PKCE verifier against the last authorization URL the
// test handed it (expect_authorization) and answers with token_for(nonce).
class FakeIdp {
 public:
  using TokenMaker = std::function<std::string(const std::string& nonce)>;

  explicit FakeIdp(nlohmann::json jwks) : jwks_(std::move(jwks)) {
    auto server = http::HttpServer::start({}, [this](const http::Request& r) { return handle(r); });
    if (!server) throw std::runtime_error("FakeIdp: " + server.error().what());
    server_ = std::move(*server);
    issuer_ = server_->base_url();
  }

  const std::string& issuer() const { return issuer_; }

  void set_token_maker(TokenMaker maker) {
    std::lock_guard lock(mutex_);
    maker_ = std::move(maker);
  }

  // expect_authorization reads state, nonce and code_challenge from the URL the
  // ACME server redirected the user agent to. Returns the state.
  std::string expect_authorization(const std::string& url) {
    auto q = internal::parse_query(internal::split_target(url).second);
    std::lock_guard lock(mutex_);
    nonce_ = q["nonce"];
    code_challenge_ = q["code_challenge"];
    return q["state"];
  }

  int token_requests() const {
    std::lock_guard lock(mutex_);
    return token_requests_;
  }

 private:
  http::Response json_response(int status, const nlohmann::json& j) {
    http::Response r;
    r.status = status;
    r.headers.set("Content-Type", "application/json");
    r.body = j.dump();
    return r;
  }

  http::Response handle(const http::Request& r) {
    if (r.target == "/.well-known/openid-configuration") {
      return json_response(200, {{"issuer", issuer_},
                                 {"authorization_endpoint", issuer_ + "/auth"},
                                 {"token_endpoint", issuer_ + "/token"},
                                 {"jwks_uri", issuer_ + "/jwks"}});
    }
    if (r.target == "/jwks") return json_response(200, jwks_);
    if (r.target == "/token" && r.method == "POST") {
      auto form = internal::parse_query(r.body);
      std::lock_guard lock(mutex_);
      ++token_requests_;
      if (form["grant_type"] != "authorization_code" ||
          pkce_s256(form["code_verifier"]) != code_challenge_ || form["client_id"] != "acme-ca" ||
          form["client_secret"] != "s3cret") {
        return json_response(400, {{"error", "invalid_grant"}});
      }
      return json_response(
          200, {{"access_token", "at"}, {"token_type", "Bearer"}, {"id_token", maker_(nonce_)}});
    }
    http::Response nf;
    nf.status = 404;
    return nf;
  }

  nlohmann::json jwks_;
  std::unique_ptr<http::HttpServer> server_;
  std::string issuer_;
  mutable std::mutex mutex_;
  TokenMaker maker_;
  std::string nonce_;
  std::string code_challenge_;
  int token_requests_ = 0;
};

}  // namespace ztm::identity::testing
