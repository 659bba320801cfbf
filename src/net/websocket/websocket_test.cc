// WebSocket over TLS on real loopback sockets: trust by pin and by CA file, refusal
// of wrong pins and wrong host names, text frames both ways, closes from either side,
// limits, and many clients sharing one ClientContext.
#include "ztm/net/websocket.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

namespace ztm::net::websocket {
namespace {

using namespace std::chrono_literals;

struct Echo {
  std::mutex mutex;
  std::set<ConnectionId> open;
  std::vector<ConnectionId> closed;
  std::atomic<int> opened{0};
  WebSocketServer* server = nullptr;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto id = generate_self_signed({"127.0.0.1", "localhost"});
    ASSERT_TRUE(id) << id.error().what();
    identity_ = std::move(*id);
    fingerprint_ = certificate_sha256(identity_.cert_chain_pem).value();
    start_server();
  }

  void start_server(std::size_t max_message = 1 << 20, std::size_t max_connections = 20000) {
    ServerOptions options;
    options.cert_chain_pem = identity_.cert_chain_pem;
    options.private_key_pem = identity_.private_key_pem;
    options.max_message_bytes = max_message;
    options.max_connections = max_connections;
    ServerHandlers handlers;
    handlers.on_open = [this](ConnectionId id, const std::string&) {
      std::lock_guard lock(echo_.mutex);
      echo_.open.insert(id);
      ++echo_.opened;
    };
    handlers.on_message = [this](ConnectionId id, std::string&& text) {
      if (text == "close me") return echo_.server->close(id);
      echo_.server->send(id, "echo:" + text);
    };
    handlers.on_close = [this](ConnectionId id) {
      std::lock_guard lock(echo_.mutex);
      echo_.open.erase(id);
      echo_.closed.push_back(id);
    };
    handlers.health = [] { return std::string("{\"status\":\"ok\",\"test\":true}"); };
    auto server = WebSocketServer::start(options, std::move(handlers));
    ASSERT_TRUE(server) << server.error().what();
    server_ = std::move(*server);
    echo_.server = server_.get();
  }

  ClientOptions pinned() const {
    ClientOptions o;
    o.url = "wss://127.0.0.1:" + std::to_string(server_->port()) + "/v1/meetings";
    o.pinned_sha256 = fingerprint_;
    return o;
  }

  std::string ca_file() {
    const std::string path = "/tmp/ztm-ws-ca-" + std::to_string(::getpid()) + "-" +
                             std::to_string(files_.size()) + ".pem";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(identity_.cert_chain_pem.c_str(), f);
    std::fclose(f);
    files_.push_back(path);
    return path;
  }

  void TearDown() override {
    server_.reset();
    for (const auto& f : files_) std::filesystem::remove(f);
  }

  template <class F>
  static bool eventually(F f) {
    for (int i = 0; i < 500; ++i) {
      if (f()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  TlsIdentity identity_;
  std::string fingerprint_;
  Echo echo_;
  std::unique_ptr<WebSocketServer> server_;
  std::vector<std::string> files_;
};

TEST_F(WebSocketTest, PinnedClientExchangesTextFrames) {
  auto client = WebSocketClient::connect(pinned());
  ASSERT_TRUE(client) << client.error().what();
  ASSERT_TRUE((*client)->send("hello"));
  ASSERT_TRUE((*client)->send(std::string(100000, 'x')));
  auto first = (*client)->receive(5s);
  ASSERT_TRUE(first) << first.error().what();
  EXPECT_EQ(*first, "echo:hello");
  auto second = (*client)->receive(5s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->size(), 100005u);
  EXPECT_EQ((*client)->receive(50ms).error().code, Errc::timeout);
  EXPECT_EQ(server_->counters().connections, 1u);
}

TEST_F(WebSocketTest, CaFileClientChecksHostName) {
  auto options = pinned();
  options.pinned_sha256.clear();
  options.ca_file = ca_file();
  auto client = WebSocketClient::connect(options);
  ASSERT_TRUE(client) << client.error().what();
  ASSERT_TRUE((*client)->send("ca"));
  EXPECT_EQ((*client)->receive(5s).value(), "echo:ca");

  // A certificate that names only localhost does not do for 127.0.0.1.
  server_.reset();
  identity_ = generate_self_signed({"localhost"}).value();
  start_server();
  options.ca_file = ca_file();
  options.url = "wss://127.0.0.1:" + std::to_string(server_->port()) + "/v1/meetings";
  auto wrong_host = WebSocketClient::connect(options);
  ASSERT_FALSE(wrong_host);
  EXPECT_EQ(wrong_host.error().code, Errc::untrusted);
  options.url = "wss://localhost:" + std::to_string(server_->port()) + "/v1/meetings";
  auto by_name = WebSocketClient::connect(options);
  ASSERT_TRUE(by_name) << by_name.error().what();
}

TEST_F(WebSocketTest, WrongPinOrUnknownCaIsRefused) {
  auto options = pinned();
  options.pinned_sha256 = std::string(64, 'A');
  auto client = WebSocketClient::connect(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::untrusted);

  auto other = generate_self_signed({"127.0.0.1"}).value();
  const std::string path = "/tmp/ztm-ws-other-" + std::to_string(::getpid()) + ".pem";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(other.cert_chain_pem.c_str(), f);
  std::fclose(f);
  files_.push_back(path);
  options.pinned_sha256.clear();
  options.ca_file = path;
  auto untrusted = WebSocketClient::connect(options);
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, Errc::untrusted);
  EXPECT_EQ(echo_.opened.load(), 0);
}

TEST_F(WebSocketTest, BadUrlsAreRefused) {
  for (const char* url : {"ws://127.0.0.1:1/x", "https://a/b", "wss://", "wss://h:99999999/",
                          "wss://u@h:1/", "wss://[::1/x"}) {
    ClientOptions o;
    o.url = url;
    o.pinned_sha256 = fingerprint_;
    auto c = WebSocketClient::connect(o);
    ASSERT_FALSE(c) << url;
    EXPECT_EQ(c.error().code, Errc::invalid_argument) << url;
  }
  auto o = pinned();
  o.pinned_sha256 = "12:34";
  EXPECT_EQ(WebSocketClient::connect(o).error().code, Errc::invalid_argument);
}

TEST_F(WebSocketTest, WrongPathIsNotUpgraded) {
  auto options = pinned();
  options.url = "wss://127.0.0.1:" + std::to_string(server_->port()) + "/other";
  auto client = WebSocketClient::connect(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::io_error);
}

TEST_F(WebSocketTest, ServerCloseReachesClient) {
  std::atomic<bool> closed{false};
  auto options = pinned();
  options.on_close = [&](const std::string&) { closed = true; };
  auto client = WebSocketClient::connect(options).value();
  ASSERT_TRUE(client->send("close me"));
  EXPECT_TRUE(eventually([&] { return closed.load(); }));
  EXPECT_FALSE(client->is_open());
  EXPECT_FALSE(client->send("late"));
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(echo_.mutex);
    return echo_.closed.size() == 1;
  }));
}

TEST_F(WebSocketTest, ClientCloseReachesServer) {
  auto client = WebSocketClient::connect(pinned()).value();
  ASSERT_TRUE(eventually([&] { return server_->counters().connections == 1; }));
  client->close();
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(echo_.mutex);
    return echo_.closed.size() == 1 && echo_.open.empty();
  }));
  EXPECT_EQ(server_->counters().connections, 0u);
}

TEST_F(WebSocketTest, OversizedFrameClosesOnlyThatConnection) {
  server_.reset();
  start_server(/*max_message=*/1000);
  auto big = WebSocketClient::connect(pinned()).value();
  auto small = WebSocketClient::connect(pinned()).value();
  ASSERT_TRUE(big->send(std::string(2000, 'b')));
  EXPECT_TRUE(eventually([&] { return !big->is_open(); }));
  ASSERT_TRUE(small->send("fine"));
  EXPECT_EQ(small->receive(5s).value(), "echo:fine");
}

TEST_F(WebSocketTest, ConnectionLimitRefusesExtraClients) {
  server_.reset();
  start_server(1 << 20, /*max_connections=*/2);
  auto a = WebSocketClient::connect(pinned());
  auto b = WebSocketClient::connect(pinned());
  ASSERT_TRUE(a && b);
  auto c = WebSocketClient::connect(pinned());
  EXPECT_FALSE(c);
  EXPECT_GE(server_->counters().refused, 1u);
}

TEST_F(WebSocketTest, StopClosesEveryClient) {
  std::atomic<int> closed{0};
  auto options = pinned();
  options.on_close = [&](const std::string&) { ++closed; };
  auto a = WebSocketClient::connect(options).value();
  auto b = WebSocketClient::connect(options).value();
  ASSERT_TRUE(eventually([&] { return server_->counters().connections == 2; }));
  server_->stop();
  EXPECT_TRUE(eventually([&] { return closed.load() == 2; }));
  std::lock_guard lock(echo_.mutex);
  EXPECT_EQ(echo_.closed.size(), 2u);
}

TEST_F(WebSocketTest, ManyClientsShareOneContext) {
  ClientContext context;
  std::atomic<int> received{0};
  std::vector<std::unique_ptr<WebSocketClient>> clients;
  auto options = pinned();
  options.on_message = [&](std::string&& text) {
    if (text.rfind("echo:", 0) == 0) ++received;
  };
  for (int i = 0; i < 50; ++i) {
    auto c = WebSocketClient::connect(options, &context);
    ASSERT_TRUE(c) << c.error().what();
    clients.push_back(std::move(*c));
  }
  for (auto& c : clients) ASSERT_TRUE(c->send("ping"));
  EXPECT_TRUE(eventually([&] { return received.load() == 50; }));
  clients.clear();
  EXPECT_TRUE(eventually([&] { return server_->counters().connections == 0; }));
}

TEST(TlsIdentityTest, SelfSignedHasStableFingerprintAndRejectsBadNames) {
  auto id = generate_self_signed({"example.test", "::1"});
  ASSERT_TRUE(id);
  auto f1 = certificate_sha256(id->cert_chain_pem);
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->size(), 95u);  // 32 bytes as hex with colons
  EXPECT_EQ(*f1, certificate_sha256(id->cert_chain_pem).value());
  EXPECT_NE(*f1, certificate_sha256(generate_self_signed({"x"})->cert_chain_pem).value());
  EXPECT_FALSE(generate_self_signed({}));
  EXPECT_FALSE(generate_self_signed({"a,DNS:evil"}));
  EXPECT_FALSE(certificate_sha256("not pem"));
}

}  // namespace
}  // namespace ztm::net::websocket
