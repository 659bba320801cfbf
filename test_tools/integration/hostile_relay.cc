// ztm_hostile_relay: a hostile meeting service as a real process, for the integration
// tests. It stands in front of a real `ztmeet server` (clients connect to it; it
// connects to the service once per client) and, towards one victim connection,
// misbehaves the way docs/security.md says a service may try to:
//
//   --mode tamper   flips bits inside every Commit delivered to the victim
//   --mode replay   delivers every Commit to the victim twice
//   --mode inject   sends the victim an extra Commit of the current epoch that
//                   nobody in the group signed (another member's Commit, altered)
//
// The victim is the n-th connection (--victim n, 1-based). Everything else is relayed
// unchanged. It holds no key, like the real service: every attack is on what it can
// see and change.
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ztm/net/websocket.h"

namespace ws = ztm::net::websocket;

namespace {

struct Args {
  std::uint16_t port = 0;
  std::string cert;
  std::string key;
  std::string upstream;
  std::string upstream_ca;
  std::string mode = "tamper";
  int victim = 2;
};

// flip changes one base64url character in the middle of the value, so the decoded
// bytes differ (and stay well-formed base64url).
std::string flip(std::string b64) {
  if (b64.size() < 8) return b64;
  auto& c = b64[b64.size() * 2 / 3];
  c = c == 'A' ? 'B' : 'A';
  return b64;
}

class Relay {
 public:
  explicit Relay(Args args) : args_(std::move(args)) {}

  void start() {
    ws::ServerHandlers h;
    h.on_open = [this](ws::ConnectionId c, const std::string&) { open(c); };
    h.on_message = [this](ws::ConnectionId c, std::string&& text) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = upstream_.find(c);
      if (it != upstream_.end()) (void)it->second->send(std::move(text));
    };
    h.on_close = [this](ws::ConnectionId c) {
      std::unique_ptr<ws::WebSocketClient> gone;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = upstream_.find(c);
        if (it != upstream_.end()) {
          gone = std::move(it->second);
          upstream_.erase(it);
        }
      }
    };
    ws::ServerOptions o;
    o.port = args_.port;
    o.cert_chain_file = args_.cert;
    o.private_key_file = args_.key;
    auto server = ws::WebSocketServer::start(o, h);
    if (!server) {
      std::fprintf(stderr, "hostile relay: %s\n", server.error().what().c_str());
      std::exit(1);
    }
    server_ = std::move(*server);
    std::printf("hostile relay (%s, victim connection %d) on port %u\n", args_.mode.c_str(),
                args_.victim, server_->port());
    std::fflush(stdout);
  }

  void stop() { server_->stop(); }

 private:
  void open(ws::ConnectionId c) {
    const int index = ++connections_;
    const bool victim = index == args_.victim;
    ws::ClientOptions o;
    o.url = args_.upstream;
    o.ca_file = args_.upstream_ca;
    o.on_message = [this, c, victim](std::string&& text) {
      from_service(c, victim, std::move(text));
    };
    o.on_close = [this, c](const std::string&) { server_->close(c); };
    auto client = ws::WebSocketClient::connect(o);
    if (!client) {
      std::fprintf(stderr, "hostile relay: upstream: %s\n", client.error().what().c_str());
      server_->close(c);
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    upstream_[c] = std::move(*client);
  }

  void from_service(ws::ConnectionId c, bool victim, std::string text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    const bool commit =
        !j.is_discarded() && j.value("type", "") == "mls" && j.value("kind", "") == "commit";
    if (!victim || !commit) {
      server_->send(c, std::move(text));
      return;
    }
    if (args_.mode == "tamper") {
      j["message"] = flip(j.value("message", ""));
      std::fprintf(stderr, "hostile relay: tampered with commit seq %llu to the victim\n",
                   static_cast<unsigned long long>(j.value("seq", 0ull)));
      server_->send(c, j.dump());
    } else if (args_.mode == "replay") {
      server_->send(c, text);
      std::fprintf(stderr, "hostile relay: replaying commit seq %llu to the victim\n",
                   static_cast<unsigned long long>(j.value("seq", 0ull)));
      server_->send(c, std::move(text));
    } else if (args_.mode == "inject") {
      // First a forged Commit for the same epoch (a fork attempt with a Commit no
      // member signed), then the real one.
      auto forged = j;
      forged["message"] = flip(j.value("message", ""));
      std::fprintf(stderr, "hostile relay: injecting a forged commit before seq %llu\n",
                   static_cast<unsigned long long>(j.value("seq", 0ull)));
      server_->send(c, forged.dump());
      server_->send(c, std::move(text));
    } else {
      server_->send(c, std::move(text));
    }
  }

  Args args_;
  std::unique_ptr<ws::WebSocketServer> server_;
  std::mutex mutex_;
  std::map<ws::ConnectionId, std::unique_ptr<ws::WebSocketClient>> upstream_;
  int connections_ = 0;  // server thread only
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("ztm_hostile_relay: a hostile meeting service in front of a real one (tests only)");
  Args args;
  app.add_option("--port", args.port)->required();
  app.add_option("--cert", args.cert)->required();
  app.add_option("--key", args.key)->required();
  app.add_option("--upstream", args.upstream)->required();
  app.add_option("--upstream-ca", args.upstream_ca)->required();
  app.add_option("--mode", args.mode)->check(CLI::IsMember({"tamper", "replay", "inject"}));
  app.add_option("--victim", args.victim);
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Relay relay(args);
  relay.start();
  int received = 0;
  sigwait(&signals, &received);
  relay.stop();
  return 0;
}
