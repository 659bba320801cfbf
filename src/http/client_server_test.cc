// The client against the server on loopback, plain and over TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ztm/http/client.h"
#include "ztm/http/server.h"
#include "ztm_test/process.h"
#include "ztm_test/test_pki.h"

namespace ztm::http {
namespace {

Response echo(const Request& req) {
  Response res;
  res.headers.set("Content-Type", "text/plain");
  res.headers.set("X-Method", req.method);
  res.headers.set("X-Target", req.target);
  res.headers.set("X-Remote", req.remote_address);
  res.headers.set("X-Probe", req.headers.get("x-probe").value_or(""));
  res.body = req.body;
  return res;
}

class HttpTls : public ::testing::Test {
 protected:
  void SetUp() override { pki_ = ztm_test::make_test_pki(dir_.path()); }
  ServerOptions tls_options() const {
    ServerOptions o;
    o.tls_cert_chain_file = pki_.leaf_cert.string();
    o.tls_private_key_file = pki_.leaf_key.string();
    return o;
  }
  ClientOptions trusting() const {
    ClientOptions o;
    o.ca_bundle_file = pki_.ca_cert.string();
    o.timeout = std::chrono::seconds(5);
    return o;
  }
  ztm_test::TempDir dir_{"ztm-http"};
  ztm_test::TestPki pki_;
};

TEST(HttpPlain, RoundTripsMethodTargetHeadersAndBody) {
  auto server = HttpServer::start({}, echo);
  ASSERT_TRUE(server) << server.error().what();
  auto res = request("POST", (*server)->base_url() + "/acme/new-order?x=1",
                     {{"X-Probe", "42"}, {"Content-Type", "application/jose+json"}}, "{\"a\":1}");
  ASSERT_TRUE(res) << res.error().what();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers.get("x-method"), "POST");
  EXPECT_EQ(res->headers.get("x-target"), "/acme/new-order?x=1");
  EXPECT_EQ(res->headers.get("x-remote"), "127.0.0.1");
  EXPECT_EQ(res->headers.get("x-probe"), "42");
  EXPECT_EQ(res->body, "{\"a\":1}");
}

TEST(HttpPlain, HeadAnswersHeadersWithoutBody) {
  auto server = HttpServer::start({}, [](const Request&) {
    return Response{200, {{"Replay-Nonce", "n1"}}, "ignored body"};
  });
  ASSERT_TRUE(server);
  auto res = request("HEAD", (*server)->base_url() + "/acme/new-nonce", {}, "");
  ASSERT_TRUE(res) << res.error().what();
  EXPECT_EQ(res->headers.get("Replay-Nonce"), "n1");
  EXPECT_TRUE(res->body.empty());
}

TEST(HttpPlain, ManyRequestsOnTwoWorkers) {
  ServerOptions o;
  o.worker_threads = 2;
  std::atomic<int> calls{0};
  auto server = HttpServer::start(o, [&](const Request& r) {
    ++calls;
    return Response{201, {}, r.target};
  });
  ASSERT_TRUE(server);
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string target = "/" + std::to_string(t) + "/" + std::to_string(i);
        auto res = request("GET", (*server)->base_url() + target, {}, "");
        if (res && res->status == 201 && res->body == target) ++good;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(good.load(), 40);
  EXPECT_EQ(calls.load(), 40);
}

TEST(HttpPlain, OversizedRequestBodyIs413) {
  ServerOptions o;
  o.max_request_body_bytes = 100;
  auto server = HttpServer::start(o, echo);
  ASSERT_TRUE(server);
  auto res = request("POST", (*server)->base_url() + "/", {}, std::string(1000, 'x'));
  ASSERT_TRUE(res) << res.error().what();
  EXPECT_EQ(res->status, 413);
}

TEST(HttpPlain, OversizedResponseIsLimitExceeded) {
  auto server = HttpServer::start({}, [](const Request&) {
    return Response{200, {}, std::string(10000, 'y')};
  });
  ASSERT_TRUE(server);
  ClientOptions o;
  o.max_response_body_bytes = 1000;
  auto res = request("GET", (*server)->base_url() + "/", {}, "", o);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::limit_exceeded);
}

TEST(HttpPlain, SlowServerTimesOut) {
  auto server = HttpServer::start({}, [](const Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return Response{};
  });
  ASSERT_TRUE(server);
  ClientOptions o;
  o.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto res = request("GET", (*server)->base_url() + "/", {}, "", o);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1200));
}

TEST(HttpPlain, HandlerExceptionBecomes500AndRefusedConnectionIsIoError) {
  auto server =
      HttpServer::start({}, [](const Request&) -> Response { throw std::runtime_error("x"); });
  ASSERT_TRUE(server);
  auto res = request("GET", (*server)->base_url() + "/", {}, "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  const std::string url = (*server)->base_url();
  (*server)->stop();
  auto refused = request("GET", url + "/", {}, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::io_error);
}

TEST(HttpPlain, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions o;
  o.max_connections = 1;
  o.worker_threads = 2;
  auto server = HttpServer::start(o, [](const Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    return Response{200, {}, "slow"};
  });
  ASSERT_TRUE(server);
  const std::string url = (*server)->base_url() + "/";
  Result<Response> first = fail(Errc::invalid_state, "not run");
  std::thread holder([&] { first = request("GET", url, {}, ""); });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto refused = request("GET", url, {}, "");
  holder.join();
  ASSERT_TRUE(first) << first.error().what();
  EXPECT_EQ(first->body, "slow");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::io_error);
  // The slot is free again once the first connection is gone (the server drops it
  // just after writing the response: give it a moment).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto again = request("GET", url, {}, "");
  ASSERT_TRUE(again) << again.error().what();
}

TEST(HttpPlain, BadOptionsAreRejected) {
  ServerOptions o;
  o.address = "not-an-address";
  auto s = HttpServer::start(o, echo);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  EXPECT_EQ(request("BREW", "http://127.0.0.1:1/", {}, "").error().code, Errc::invalid_argument);
}

TEST_F(HttpTls, VerifiedByIpAndByName) {
  auto server = HttpServer::start(tls_options(), echo);
  ASSERT_TRUE(server) << server.error().what();
  EXPECT_EQ((*server)->base_url().rfind("https://", 0), 0u);
  auto res = request("POST", (*server)->base_url() + "/x", {}, "hello", trusting());
  ASSERT_TRUE(res) << res.error().what();
  EXPECT_EQ(res->body, "hello");
  auto by_name = request("GET", "https://localhost:" + std::to_string((*server)->port()) + "/y", {},
                         "", trusting());
  ASSERT_TRUE(by_name) << by_name.error().what();
  EXPECT_EQ(by_name->headers.get("x-target"), "/y");
}

TEST_F(HttpTls, PemTextWorksLikeFiles) {
  ServerOptions o;
  o.tls_cert_chain_pem = ztm_test::read_text(pki_.leaf_cert);
  o.tls_private_key_pem = SecretBytes(as_bytes(ztm_test::read_text(pki_.leaf_key)));
  auto server = HttpServer::start(o, echo);
  ASSERT_TRUE(server) << server.error().what();
  auto res = request("GET", (*server)->base_url() + "/", {}, "", trusting());
  ASSERT_TRUE(res) << res.error().what();
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpTls, UnknownCaIsUntrusted) {
  auto server = HttpServer::start(tls_options(), echo);
  ASSERT_TRUE(server);
  ztm_test::TempDir other_dir{"ztm-http-other"};
  auto other = ztm_test::make_test_pki(other_dir.path());
  ClientOptions o = trusting();
  o.ca_bundle_file = other.ca_cert.string();
  auto res = request("GET", (*server)->base_url() + "/", {}, "", o);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::untrusted) << res.error().what();
}

TEST_F(HttpTls, HostMismatchIsUntrusted) {
  // The leaf names localhost, 127.0.0.1 and ::1, not 127.0.0.2.
  ServerOptions so = tls_options();
  so.address = "127.0.0.2";
  auto server = HttpServer::start(so, echo);
  ASSERT_TRUE(server) << server.error().what();
  auto res = request("GET", (*server)->base_url() + "/", {}, "", trusting());
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::untrusted) << res.error().what();
}

TEST_F(HttpTls, BadKeyIsInvalidKey) {
  ServerOptions o;
  o.tls_cert_chain_pem = ztm_test::read_text(pki_.leaf_cert);
  o.tls_private_key_pem =
      SecretBytes(as_bytes("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  auto server = HttpServer::start(o, echo);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, Errc::invalid_key);
}

}  // namespace
}  // namespace ztm::http
