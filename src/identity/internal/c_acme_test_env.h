// c_acme_test_env: test-only helpers for the ACME CA's tests — a CA with its store
// in a temporary directory, served by AcmeService over TLS on loopback, and a raw
// JWS poster for requests a well-behaved client would never send. Header-only;
// included by *_test.cc files only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "ztm/crypto/signature.h"
#include "ztm/http/client.h"
#include "ztm/identity/acme_client.h"
#include "ztm/identity/acme_server.h"
#include "ztm/identity/jws.h"
#include "ztm_test/process.h"
#include "ztm_test/test_pki.h"

namespace ztm::identity::testing {

// AcmeTestEnv is a running `ztmeet ca serve` equivalent in this process.
struct AcmeTestEnv {
  ztm_test::TempDir dir{"ztm-acme"};
  ztm_test::TestPki pki;
  std::unique_ptr<AcmeService> service;

  // start creates the CA (P-256) in dir/ca and serves it on 127.0.0.1 (acme_port, or
  // a free one) with options (validation ports, OIDC, provider mode).
  static std::unique_ptr<AcmeTestEnv> start(AcmeServerOptions options = {},
                                            std::uint16_t acme_port = 0) {
    auto env = std::make_unique<AcmeTestEnv>();
    env->pki = ztm_test::make_test_pki(env->dir.path());
    CaOptions ca_options;
    ca_options.data_dir = (env->dir.path() / "ca").string();
    ca_options.common_name = "ztmeet test CA";
    auto ca = CertificateAuthority::init(ca_options);
    if (!ca) throw std::runtime_error("CA init: " + ca.error().what());
    auto store = AcmeStore::open((env->dir.path() / "ca" / "acme.db").string());
    if (!store) throw std::runtime_error("store: " + store.error().what());
    AcmeServiceOptions service_options;
    service_options.acme.tls_cert_chain_file = env->pki.leaf_cert.string();
    service_options.acme.tls_private_key_file = env->pki.leaf_key.string();
    service_options.acme.worker_threads = 2;
    service_options.acme.port = acme_port;
    auto service =
        AcmeService::start(service_options, std::move(*ca), std::move(*store), std::move(options));
    if (!service) throw std::runtime_error("AcmeService: " + service.error().what());
    env->service = std::move(*service);
    return env;
  }

  std::string directory_url() const { return service->directory_url(); }
  std::string base_url() const {
    std::string d = directory_url();
    return d.substr(0, d.size() - std::string("/acme/directory").size());
  }
  http::ClientOptions client_options() const {
    http::ClientOptions o;
    o.ca_bundle_file = pki.ca_cert.string();
    return o;
  }
  std::string ca_pem_file() const { return (dir.path() / "ca" / "ca.pem").string(); }
};

// RawAcme sends hand-made JWS requests to an AcmeTestEnv.
struct RawAcme {
  const AcmeTestEnv& env;

  std::string nonce() const {
    auto r =
        http::request("HEAD", env.base_url() + "/acme/new-nonce", {}, "", env.client_options());
    if (!r) throw std::runtime_error("new-nonce: " + r.error().what());
    return r->headers.get("Replay-Nonce").value_or("");
  }

  http::Response post_body(const std::string& url, const std::string& body) const {
    auto r = http::request("POST", url, {{"Content-Type", "application/jose+json"}}, body,
                           env.client_options());
    if (!r) throw std::runtime_error("POST " + url + ": " + r.error().what());
    return *r;
  }

  // post signs payload with key, naming kid (or embedding the jwk when kid is
  // empty), with the given nonce (a fresh one when empty).
  http::Response post(const crypto::SignaturePrivateKey& key, const std::string& url,
                      const std::string& payload, const std::string& kid = "",
                      std::string use_nonce = "") const {
    if (use_nonce.empty()) use_nonce = nonce();
    JwsHeader header{url, use_nonce, kid.empty() ? std::nullopt : std::optional(kid)};
    auto jws = sign_jws(key, header, payload);
    if (!jws) throw std::runtime_error("sign_jws: " + jws.error().what());
    return post_body(url, jws->dump());
  }

  // problem_type returns the ACME error token of a problem response, or "".
  static std::string problem_type(const http::Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("type")) return "";
    std::string t = j["type"].get<std::string>();
    const std::string prefix = "urn:ietf:params:acme:error:";
    return t.rfind(prefix, 0) == 0 ? t.substr(prefix.size()) : t;
  }
};

// new_key makes an account key (P-256 unless said).
inline crypto::SignaturePrivateKey new_key(
    crypto::SignatureScheme s = crypto::SignatureScheme::ecdsa_secp256r1_sha256) {
  auto k = crypto::SignaturePrivateKey::generate(s);
  EXPECT_TRUE(k.has_value());
  return *k;
}

// connect makes ztmeet's ACME client for env, polling every 50 ms for up to 10 s.
inline AcmeClient connect(const AcmeTestEnv& env, crypto::SignaturePrivateKey key) {
  AcmeClientOptions o;
  o.directory_url = env.directory_url();
  o.http = env.client_options();
  o.default_poll_interval = std::chrono::milliseconds(50);
  o.poll_timeout = std::chrono::seconds(10);
  auto c = AcmeClient::connect(o, std::move(key));
  if (!c) throw std::runtime_error(c.error().what());
  return std::move(*c);
}

}  // namespace ztm::identity::testing
