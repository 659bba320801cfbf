// RedisTestServer: a real redis-server on a free loopback port for the server layer's
// tests (STYLE rule 14), without persistence, in a directory of its own, stopped by
// its PID when the object goes away.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "storage/redis_connection.h"
#include "ztm_test/process.h"

namespace ztm::server::testing {

class RedisTestServer {
 public:
  // extra_args: more redis-server configuration (e.g. --requirepass); auth: what the
  // readiness check and connect() authenticate with.
  explicit RedisTestServer(std::vector<std::string> extra_args = {}, RedisAuth auth = {})
      : dir_("ztm-redis"), port_(ztm_test::free_port()), auth_(std::move(auth)) {
    std::vector<std::string> args{
        "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save",
        "",       "--appendonly",        "no",     "--dir",     dir_.path().string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<ztm_test::ChildProcess>(
        "redis-server", args, std::map<std::string, std::string>{}, dir_.path() / "redis.log");
    // Ready when it answers PING (it starts in milliseconds; 10 s covers a loaded box).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto c =
              redis::Connection::connect({"127.0.0.1", port_, 0}, redis::kDefaultTimeout, auth_)) {
        if ((*c)->command({"PING"})) {
          ready_ = true;
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  std::string url(int db = 0) const {
    return "redis://127.0.0.1:" + std::to_string(port_) + (db ? "/" + std::to_string(db) : "");
  }
  // connect opens a connection for a test to look at (or tamper with) the keys.
  std::unique_ptr<redis::Connection> connect() const {
    auto c = redis::Connection::connect({"127.0.0.1", port_, 0}, redis::kDefaultTimeout, auth_);
    return c ? std::move(*c) : nullptr;
  }
  std::string log() const { return ztm_test::read_text(dir_.path() / "redis.log"); }

 private:
  ztm_test::TempDir dir_;
  std::uint16_t port_;
  RedisAuth auth_;
  std::unique_ptr<ztm_test::ChildProcess> process_;
  bool ready_ = false;
};

}  // namespace ztm::server::testing
