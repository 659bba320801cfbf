// WebSocketServer: TLS, then one HTTP request that is either GET /healthz or the
// WebSocket upgrade on the configured path (RFC 6455 §4.2), then text frames. One
// io_context on one thread: sessions need no strand, and handlers run serialized.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "ztm/net/websocket.h"

namespace ztm::net::websocket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ws = boost::beast::websocket;
using tcp = asio::ip::tcp;

class Session;

}  // namespace

// Handlers capture the raw Impl pointer: stop() joins the thread before the Impl
// can be destroyed, and a shared_ptr held by a queued handler would keep the
// io_context (and so itself) alive forever.
struct WebSocketServer::Impl {
  ServerOptions options;
  ServerHandlers handlers;
  std::optional<asio::ssl::context> tls;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer tick{ioc};
  // Keeps run() going while stop() drains, after the acceptor and timer are gone.
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  std::uint16_t port = 0;
  ConnectionId next_id = 1;
  std::unordered_map<ConnectionId, std::shared_ptr<Session>> sessions;  // upgraded ones
  std::size_t pending = 0;  // sockets between accept and upgrade
  bool stopping = false;
  std::once_flag stop_once;

  std::atomic<std::size_t> open_count{0};
  std::atomic<std::uint64_t> accepted{0}, refused{0}, frames_in{0}, frames_out{0};

  std::mutex drain_mutex;
  std::condition_variable drained;
  bool all_drained = false;  // guarded by drain_mutex

  void accept();
  void schedule_tick();
  void closed(ConnectionId id);
};

namespace {

// Session serves one connection from TLS handshake to close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(WebSocketServer::Impl& server, tcp::socket socket)
      : server_(server),
        ws_(beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)),
                                                 *server.tls)) {
    ++server_.pending;
  }
  ~Session() = default;

  void start() {
    auto& lowest = beast::get_lowest_layer(ws_);
    beast::error_code ec;
    auto remote = lowest.socket().remote_endpoint(ec);
    if (!ec) remote_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    lowest.expires_after(server_.options.handshake_timeout);
    ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                     [self = shared_from_this()](beast::error_code ec) {
                                       if (ec) return self->fail_before_open();
                                       self->read_request();
                                     });
  }

  // send queues a text frame.
  void send(std::shared_ptr<const std::string> text) {
    if (!open_ || closing_) return;
    queued_bytes_ += text->size();
    if (queued_bytes_ > server_.options.max_queued_bytes) {
      // A reader this slow is closed rather than buffered without bound.
      return close(ws::close_code::policy_error);
    }
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) write_next();
  }

  void close(ws::close_code code = ws::close_code::normal) {
    if (!open_ || close_requested_) return;
    close_requested_ = true;
    close_code_ = code;
    if (queue_.empty()) start_close();
  }

  ConnectionId id() const { return id_; }

 private:
  void fail_before_open() {
    --server_.pending;
    ++server_.refused;
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(0);
    bhttp::async_read(
        ws_.next_layer(), buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec) return fail_before_open();
    auto req = parser_->release();
    const std::string_view target(req.target().data(), req.target().size());
    if (ws::is_upgrade(req) && target == server_.options.path) {
      return upgrade(std::move(req));
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    if (req.method() == bhttp::verb::get && target == "/healthz") {
      res->result(bhttp::status::ok);
      res->set(bhttp::field::content_type, "application/json");
      res->set(bhttp::field::cache_control, "no-store");
      res->body() = server_.handlers.health ? server_.handlers.health() : "{\"status\":\"ok\"}";
    } else {
      res->result(bhttp::status::not_found);
      res->set(bhttp::field::content_type, "text/plain");
      res->body() = "not found\n";
    }
    res->keep_alive(false);
    res->prepare_payload();
    bhttp::async_write(ws_.next_layer(), *res,
                       [self = shared_from_this(), res](beast::error_code, std::size_t) {
                         self->fail_before_open();
                         beast::get_lowest_layer(self->ws_).expires_after(std::chrono::seconds(2));
                         self->ws_.next_layer().async_shutdown([self](beast::error_code) {});
                       });
  }

  void upgrade(bhttp::request<bhttp::string_body>&& req) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream times itself
    ws::stream_base::timeout timeout;
    timeout.handshake_timeout = server_.options.handshake_timeout;
    timeout.idle_timeout = server_.options.ping_interval;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(server_.options.max_message_bytes);
    ws_.set_option(ws::stream_base::decorator(
        [](ws::response_type& res) { res.set(bhttp::field::server, "ztmeet"); }));
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail_before_open();
      self->opened();
    });
  }

  void opened() {
    --server_.pending;
    if (server_.stopping) {
      ++server_.refused;
      return;
    }
    open_ = true;
    id_ = server_.next_id++;
    server_.sessions.emplace(id_, shared_from_this());
    ++server_.open_count;
    ++server_.accepted;
    ws_.text(true);
    if (server_.handlers.on_open) server_.handlers.on_open(id_, remote_);
    read();
  }

  void read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finished();
    if (!ws_.got_text()) {
      // Signaling is JSON text only (RFC 6455 §7.4.1: 1003, unsupported data).
      read_buffer_.consume(read_buffer_.size());
      close(ws::close_code::bad_payload);
      return read();
    }
    std::string text = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    ++server_.frames_in;
    if (!closing_ && server_.handlers.on_message) server_.handlers.on_message(id_, std::move(text));
    read();
  }

  void write_next() {
    ws_.async_write(
        asio::buffer(*queue_.front()),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      queue_.clear();
      return;  // the read side sees the failure and finishes the session
    }
    ++server_.frames_out;
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
    if (!queue_.empty()) return write_next();
    if (close_requested_) start_close();
  }

  void start_close() {
    if (closing_) return;
    closing_ = true;
    ws_.async_close(close_code_, [self = shared_from_this()](beast::error_code) {
      // The pending read completes with `closed` (or fails) and finishes the session.
    });
  }

  void finished() {
    if (!open_) return;
    open_ = false;
    queue_.clear();
    server_.closed(id_);
  }

  WebSocketServer::Impl& server_;
  ws::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  std::string remote_;
  beast::flat_buffer buffer_;
  beast::flat_buffer read_buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  ConnectionId id_ = 0;
  bool open_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  ws::close_code close_code_ = ws::close_code::normal;
};

}  // namespace

void WebSocketServer::Impl::accept() {
  acceptor.async_accept([self = this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) {
      if (self->stopping ||
          self->sessions.size() + self->pending >= self->options.max_connections) {
        ++self->refused;
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(*self, std::move(socket))->start();
      }
    }
    self->accept();
  });
}

void WebSocketServer::Impl::schedule_tick() {
  tick.expires_after(options.tick_interval);
  tick.async_wait([self = this](beast::error_code ec) {
    if (ec || self->stopping) return;
    if (self->handlers.on_tick) self->handlers.on_tick();
    self->schedule_tick();
  });
}

void WebSocketServer::Impl::closed(ConnectionId id) {
  auto it = sessions.find(id);
  if (it == sessions.end()) return;
  auto keep = it->second;  // the session may be running this very call
  sessions.erase(it);
  --open_count;
  if (handlers.on_close) handlers.on_close(id);
  if (stopping && sessions.empty()) {
    std::lock_guard lock(drain_mutex);
    all_drained = true;
    drained.notify_all();
  }
}

WebSocketServer::WebSocketServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketServer::~WebSocketServer() {
  stop();
}

Result<std::unique_ptr<WebSocketServer>> WebSocketServer::start(const ServerOptions& options,
                                                                ServerHandlers handlers) {
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->handlers = std::move(handlers);
  if (options.max_connections == 0 || options.max_message_bytes == 0) {
    return fail(Errc::invalid_argument, "websocket server: limits must be positive");
  }
  impl->tls.emplace(asio::ssl::context::tls_server);
  auto& ctx = *impl->tls;
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  beast::error_code ec;
  if (!options.cert_chain_file.empty()) {
    ctx.use_certificate_chain_file(options.cert_chain_file, ec);
    if (!ec) ctx.use_private_key_file(options.private_key_file, asio::ssl::context::pem, ec);
  } else if (!options.cert_chain_pem.empty()) {
    ctx.use_certificate_chain(asio::buffer(options.cert_chain_pem), ec);
    if (!ec) {
      const ByteView key = options.private_key_pem.expose();
      ctx.use_private_key(asio::buffer(key.data(), key.size()), asio::ssl::context::pem, ec);
    }
  } else {
    return fail(Errc::invalid_argument, "websocket server: a TLS certificate and key are required");
  }
  if (ec)
    return fail(Errc::invalid_key,
                "websocket server: TLS certificate or key unusable: " + ec.message());

  const auto address = asio::ip::make_address(options.address, ec);
  if (ec)
    return fail(Errc::invalid_argument, "websocket server: bad address '" + options.address + "'");
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(Errc::io_error, "websocket server: cannot listen on " + options.address + ":" +
                                    std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  impl->schedule_tick();
  impl->thread = std::thread([raw = impl.get()] { raw->ioc.run(); });
  return std::unique_ptr<WebSocketServer>(new WebSocketServer(std::move(impl)));
}

std::uint16_t WebSocketServer::port() const {
  return impl_->port;
}

void WebSocketServer::send(ConnectionId connection, std::string text) {
  auto shared = std::make_shared<const std::string>(std::move(text));
  asio::post(impl_->ioc, [impl = impl_.get(), connection, shared = std::move(shared)]() mutable {
    auto it = impl->sessions.find(connection);
    if (it != impl->sessions.end()) it->second->send(std::move(shared));
  });
}

void WebSocketServer::close(ConnectionId connection) {
  asio::post(impl_->ioc, [impl = impl_.get(), connection] {
    auto it = impl->sessions.find(connection);
    if (it != impl->sessions.end()) it->second->close();
  });
}

void WebSocketServer::post(std::function<void()> fn) {
  asio::post(impl_->ioc, std::move(fn));
}

ServerCounters WebSocketServer::counters() const {
  return {impl_->open_count.load(), impl_->accepted.load(), impl_->refused.load(),
          impl_->frames_in.load(), impl_->frames_out.load()};
}

void WebSocketServer::stop(std::chrono::milliseconds grace) {
  if (!impl_) return;
  std::call_once(impl_->stop_once, [&] {
    Impl* impl = impl_.get();
    asio::post(impl->ioc, [impl] {
      impl->stopping = true;
      beast::error_code ignored;
      impl->acceptor.close(ignored);
      impl->tick.cancel();
      for (auto& [id, session] : impl->sessions) session->close(ws::close_code::going_away);
      if (impl->sessions.empty()) {
        std::lock_guard lock(impl->drain_mutex);
        impl->all_drained = true;
        impl->drained.notify_all();
      }
    });
    {
      std::unique_lock lock(impl->drain_mutex);
      impl->drained.wait_for(lock, grace, [impl] { return impl->all_drained; });
    }
    // Whatever did not finish in the grace period is dropped; its on_close still runs.
    std::mutex done_mutex;
    std::condition_variable done_cv;
    bool done = false;
    asio::post(impl->ioc, [&] {
      while (!impl->sessions.empty()) impl->closed(impl->sessions.begin()->first);
      std::lock_guard lock(done_mutex);
      done = true;
      done_cv.notify_all();
    });
    {
      std::unique_lock lock(done_mutex);
      done_cv.wait_for(lock, std::chrono::seconds(5), [&] { return done; });
    }
    impl->work.reset();
    impl->ioc.stop();
    if (impl->thread.joinable()) impl->thread.join();
  });
}

}  // namespace ztm::net::websocket
