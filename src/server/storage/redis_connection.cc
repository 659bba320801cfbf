// RedisConnection over hiredis's blocking API (redis_connection.h).
#include "storage/redis_connection.h"

#include <hiredis/hiredis.h>

#include <charconv>

namespace ztm::server::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.kind = Reply::Kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.kind = Reply::Kind::string;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.kind = Reply::Kind::status;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = Reply::Kind::error;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:  // RESP2: sets and maps arrive as arrays too
      out.kind = Reply::Kind::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.kind = Reply::Kind::nil;
      break;
  }
  return out;
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
  constexpr std::string_view scheme = "redis://";
  if (!text.starts_with(scheme)) {
    return fail(Errc::invalid_argument, "redis: want redis://host[:port][/db]");
  }
  std::string_view rest = text.substr(scheme.size());
  Url url;
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), url.db);
      if (ec != std::errc() || end != db.data() + db.size() || url.db < 0) {
        return fail(Errc::invalid_argument, "redis: bad database number in the URL");
      }
    }
  }
  if (authority.find('@') != std::string_view::npos) {
    return fail(Errc::invalid_argument, "redis: credentials in the URL are not supported");
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::invalid_argument, "redis: bad host");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail(Errc::invalid_argument, "redis: bad host");
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    url.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
  } else {
    url.host = std::string(authority);
  }
  if (url.host.empty()) return fail(Errc::invalid_argument, "redis: empty host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return fail(Errc::invalid_argument, "redis: bad port");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

Result<std::unique_ptr<Connection>> Connection::connect(const Url& url,
                                                        std::chrono::milliseconds timeout,
                                                        const RedisAuth& auth) {
  auto c = std::unique_ptr<Connection>(new Connection(url, timeout, auth));
  ZTM_TRY(c->open());
  return c;
}

Connection::~Connection() {
  if (context_) redisFree(context_);
}

Result<void> Connection::open() {
  if (context_) {
    redisFree(context_);
    context_ = nullptr;
  }
  const std::string where = url_.host + ":" + std::to_string(url_.port);
  redisContext* c = redisConnectWithTimeout(url_.host.c_str(), url_.port, to_timeval(timeout_));
  if (!c || c->err) {
    std::string reason = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return fail(Errc::io_error, "redis: cannot connect to " + where + ": " + reason);
  }
  // A stalled Redis must not stall the signaling thread for longer than this.
  redisSetTimeout(c, to_timeval(timeout_));
  context_ = c;
  if (!auth_.password.empty()) {
    const auto pw = auth_.password.expose();
    const std::string_view password(reinterpret_cast<const char*>(pw.data()), pw.size());
    auto authed =
        auth_.user.empty() ? once({"AUTH", password}) : once({"AUTH", auth_.user, password});
    if (!authed) {
      // Redis's answer (WRONGPASS ..., or an error about AUTH) names no credential.
      // An unauthenticated connection is of no use: the next command reconnects.
      if (context_) redisFree(context_);
      context_ = nullptr;
      return fail(authed.error().code, "redis: AUTH at " + where + ": " + authed.error().message);
    }
  }
  if (url_.db != 0) {
    const std::string db = std::to_string(url_.db);
    ZTM_TRY(once({"SELECT", db}));
  }
  return ok();
}

Result<Reply> Connection::once(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (!raw) {
    // The context is unusable after an I/O error (hiredis docs): reopen next time.
    std::string reason = context_->errstr;
    redisFree(context_);
    context_ = nullptr;
    return fail(Errc::io_error, "redis: " + reason);
  }
  Reply reply = convert(raw);
  freeReplyObject(raw);
  if (reply.kind == Reply::Kind::error) {
    // NOAUTH: a protected Redis and no AUTH yet; WRONGPASS: AUTH refused (Redis 6+;
    // older ones say "ERR invalid password"). Neither text names a credential.
    const bool auth = reply.text.starts_with("NOAUTH") || reply.text.starts_with("WRONGPASS") ||
                      reply.text.find("invalid password") != std::string::npos;
    return fail(auth ? Errc::authentication_failed : Errc::io_error, reply.text);
  }
  return reply;
}

Result<Reply> Connection::command(const std::vector<std::string_view>& args) {
  if (!context_) ZTM_TRY(open());
  auto reply = once(args);
  if (!reply && !context_) {
    // The connection broke (Redis restarted, idle timeout): one fresh attempt. A
    // command whose reply was lost may have run: reads and lease commands are
    // idempotent, and a repeated write batch is refused whole (its log entries exist),
    // so at worst a written event is counted as a storage error.
    ZTM_TRY(open());
    return once(args);
  }
  return reply;
}

}  // namespace ztm::server::redis
