// RedisConnection: one synchronous hiredis connection (RESP over TCP), shared by
// RedisStorage and the cluster's meeting leases. Private to ztm_server.
//
// Every call blocks the calling thread for one round trip, bounded by the command
// timeout; the service calls it from its one signaling thread (as it calls SQLite).
// A broken connection is re-established once at the next command, so a Redis restart
// costs the events that fell in the gap (counted as storage errors), not the process.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/server/storage.h"

struct redisContext;

namespace ztm::server::redis {

// Url is a parsed redis://host[:port][/db] (no credentials: they come as RedisAuth,
// outside the URL, which is logged; no TLS: Redis is reached on a private network or
// loopback, docs/security.md).
struct Url {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  int db = 0;
};

// parse_url reads "redis://host[:port][/db]" ("[v6]" hosts allowed).
// Errors: invalid_argument.
Result<Url> parse_url(std::string_view text);

// Reply is one decoded RESP reply. Status and error replies keep their text in
// `text`; bulk strings are binary-safe.
struct Reply {
  enum class Kind : std::uint8_t { nil, integer, string, status, array, error };
  Kind kind = Kind::nil;
  long long integer = 0;
  std::string text;
  std::vector<Reply> elements;

  bool is_nil() const { return kind == Kind::nil; }
};

inline constexpr std::chrono::milliseconds kDefaultTimeout{2000};

class Connection {
 public:
  // connect opens the connection, authenticates (AUTH [user] password, when auth has
  // a password; again after every reconnection) and selects the database.
  // Errors: io_error; authentication_failed (wrong credentials, or none given to a
  // Redis that wants them).
  static Result<std::unique_ptr<Connection>> connect(
      const Url& url, std::chrono::milliseconds timeout = kDefaultTimeout,
      const RedisAuth& auth = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // command sends one command (binary-safe arguments) and returns its reply. A Redis
  // error reply is returned as an io_error whose message starts with the error text.
  Result<Reply> command(const std::vector<std::string_view>& args);

 private:
  Connection(Url url, std::chrono::milliseconds timeout, RedisAuth auth)
      : url_(std::move(url)), timeout_(timeout), auth_(std::move(auth)) {}
  Result<void> open();
  Result<Reply> once(const std::vector<std::string_view>& args);

  Url url_;
  std::chrono::milliseconds timeout_;
  RedisAuth auth_;
  redisContext* context_ = nullptr;
};

}  // namespace ztm::server::redis
