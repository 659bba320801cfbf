// WebSocketClient: resolve, TCP connect, TLS (CA + host name check, or a pinned leaf
// fingerprint), WebSocket upgrade (RFC 6455 §4.1), then text frames both ways.
// Every step runs on the ClientContext's thread; the public calls post to it.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "ztm/net/websocket.h"

namespace ztm::net::websocket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ws = boost::beast::websocket;
using tcp = asio::ip::tcp;

struct ParsedUrl {
  std::string host;
  std::string port;
  std::string path;
};

Result<ParsedUrl> parse_wss_url(std::string_view url) {
  constexpr std::string_view scheme = "wss://";
  if (url.substr(0, scheme.size()) != scheme) {
    return fail(Errc::invalid_argument, "websocket: the URL must start with wss://");
  }
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  ParsedUrl parsed;
  parsed.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return fail(Errc::invalid_argument, "websocket: bad authority in URL");
  }
  std::string_view host = authority;
  std::string_view port = "443";
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(Errc::invalid_argument, "websocket: bad IPv6 literal");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail(Errc::invalid_argument, "websocket: bad port");
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail(Errc::invalid_argument, "websocket: bad host or port in URL");
  }
  parsed.host = std::string(host);
  parsed.port = std::string(port);
  return parsed;
}

std::string normalize_fingerprint(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string der_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

}  // namespace

struct ClientContext::Impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
};

ClientContext::ClientContext() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

ClientContext::~ClientContext() {
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

struct WebSocketClient::Impl : std::enable_shared_from_this<WebSocketClient::Impl> {
  Impl(asio::io_context& ioc, asio::ssl::context&& tls_context)
      : ioc(ioc), tls(std::move(tls_context)), resolver(ioc), ws(ioc, tls) {}

  asio::io_context& ioc;
  asio::ssl::context tls;
  tcp::resolver resolver;
  ws::stream<beast::ssl_stream<beast::tcp_stream>> ws;
  ClientOptions options;
  ParsedUrl url;
  std::string pin;  // normalized hex, empty when not pinning
  bool pin_matched = false;
  beast::flat_buffer buffer;
  std::deque<std::string> out;  // frames waiting to be written (context thread)
  bool closing = false;

  // Shared with the caller's threads.
  mutable std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::string> inbox;
  bool open = false;
  bool ended = false;
  std::string end_reason;
  std::promise<Result<void>> connected;
  bool connect_done = false;

  void finish_connect(Result<void> result) {
    if (connect_done) return;
    connect_done = true;
    if (result) {
      std::lock_guard lock(mutex);
      open = true;
    }
    connected.set_value(std::move(result));
  }

  void start() {
    resolver.async_resolve(
        url.host, url.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec)
            return self->finish_connect(
                fail(Errc::io_error, "websocket: resolve " + self->url.host + ": " + ec.message()));
          self->on_resolve(results);
        });
  }

  void on_resolve(const tcp::resolver::results_type& results) {
    auto& lowest = beast::get_lowest_layer(ws);
    lowest.expires_after(options.connect_timeout);
    lowest.async_connect(results, [self = shared_from_this()](beast::error_code ec,
                                                              const tcp::endpoint&) {
      if (ec == beast::error::timeout)
        return self->finish_connect(fail(Errc::timeout, "websocket: connect timed out"));
      if (ec)
        return self->finish_connect(fail(Errc::io_error, "websocket: connect: " + ec.message()));
      self->on_connect();
    });
  }

  void on_connect() {
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), ec);
    auto& ssl = ws.next_layer();
    asio::ip::make_address(url.host, ec);
    const bool is_ip = !ec;
    // SNI for DNS names only (RFC 6066 §3: literal IPs are not sent).
    if (!is_ip) SSL_set_tlsext_host_name(ssl.native_handle(), url.host.c_str());
    if (!pin.empty()) {
      ssl.set_verify_mode(asio::ssl::verify_peer);
      ssl.set_verify_callback([self = this](bool, asio::ssl::verify_context& ctx) {
        X509_STORE_CTX* store = ctx.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;  // only the leaf counts
        X509* leaf = X509_STORE_CTX_get_current_cert(store);
        self->pin_matched = leaf && der_sha256(leaf) == self->pin;
        return self->pin_matched;
      });
    } else {
      ssl.set_verify_mode(asio::ssl::verify_peer);
      ssl.set_verify_callback(asio::ssl::host_name_verification(url.host));
    }
    ssl.async_handshake(
        asio::ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
          if (ec) {
            const bool cert = ec.category() == asio::error::get_ssl_category();
            return self->finish_connect(fail(cert ? Errc::untrusted : Errc::io_error,
                                             "websocket: TLS handshake: " + ec.message()));
          }
          self->on_tls();
        });
  }

  void on_tls() {
    beast::get_lowest_layer(ws).expires_never();
    ws::stream_base::timeout timeout =
        ws::stream_base::timeout::suggested(beast::role_type::client);
    timeout.handshake_timeout = options.connect_timeout;
    ws.set_option(timeout);
    ws.read_message_max(options.max_message_bytes);
    ws.set_option(ws::stream_base::decorator(
        [](ws::request_type& req) { req.set(bhttp::field::user_agent, "ztmeet"); }));
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    ws.async_handshake(host + ":" + url.port, url.path,
                       [self = shared_from_this()](beast::error_code ec) {
                         if (ec)
                           return self->finish_connect(
                               fail(Errc::io_error, "websocket: upgrade: " + ec.message()));
                         self->ws.text(true);
                         self->finish_connect(ok());
                         self->read();
                       });
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->ended_with(ec == ws::error::closed ? "closed by the server" : ec.message());
      std::string text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      if (self->options.on_message) {
        self->options.on_message(std::move(text));
      } else {
        std::lock_guard lock(self->mutex);
        self->inbox.push_back(std::move(text));
        self->cv.notify_all();
      }
      self->read();
    });
  }

  void ended_with(std::string reason) {
    {
      std::lock_guard lock(mutex);
      if (ended) return;
      ended = true;
      open = false;
      end_reason = reason;
      cv.notify_all();
    }
    out.clear();
    if (options.on_close) options.on_close(reason);
  }

  void write(std::string text) {
    if (closing) return;
    out.push_back(std::move(text));
    if (out.size() == 1) write_next();
  }

  void write_next() {
    ws.async_write(asio::buffer(out.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (ec) {
                       self->out.clear();
                       return;  // the read side reports the end
                     }
                     self->out.pop_front();
                     if (!self->out.empty()) return self->write_next();
                     if (self->closing) self->do_close();
                   });
  }

  void request_close() {
    if (closing) return;
    closing = true;
    if (out.empty()) do_close();
  }

  void do_close() {
    bool is_open;
    {
      std::lock_guard lock(mutex);
      is_open = open;
    }
    if (!is_open) return;
    ws.async_close(ws::close_code::normal, [self = shared_from_this()](beast::error_code) {});
  }
};

WebSocketClient::WebSocketClient(std::shared_ptr<Impl> impl, std::unique_ptr<ClientContext> own)
    : own_context_(std::move(own)), impl_(std::move(impl)) {}

WebSocketClient::~WebSocketClient() {
  if (!impl_) return;
  // Close and then drop every pending operation on the context thread, so no handler
  // runs after the caller's callbacks are gone.
  std::promise<void> done;
  auto finished = done.get_future();
  asio::post(impl_->ioc, [impl = impl_, &done] {
    impl->options.on_message = nullptr;
    impl->options.on_close = nullptr;
    beast::error_code ignored;
    beast::get_lowest_layer(impl->ws).socket().close(ignored);
    impl->resolver.cancel();
    done.set_value();
  });
  finished.wait_for(std::chrono::seconds(5));
}

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::connect(const ClientOptions& options,
                                                                  ClientContext* context) {
  ZTM_TRY_ASSIGN(auto url, parse_wss_url(options.url));
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  beast::error_code ec;
  if (options.pinned_sha256.empty()) {
    if (!options.ca_file.empty()) {
      tls.load_verify_file(options.ca_file, ec);
      if (ec)
        return fail(Errc::invalid_argument, "websocket: cannot load CA file " + options.ca_file);
    } else {
      tls.set_default_verify_paths(ec);
    }
  }
  std::unique_ptr<ClientContext> own;
  if (!context) {
    own = std::make_unique<ClientContext>();
    context = own.get();
  }
  auto impl = std::make_shared<Impl>(context->impl().ioc, std::move(tls));
  impl->options = options;
  impl->url = std::move(url);
  impl->pin = normalize_fingerprint(options.pinned_sha256);
  if (!options.pinned_sha256.empty() && impl->pin.size() != 64) {
    return fail(Errc::invalid_argument, "websocket: pinned_sha256 must be 32 bytes of hex");
  }
  auto connected = impl->connected.get_future();
  asio::post(impl->ioc, [impl] { impl->start(); });
  if (connected.wait_for(options.connect_timeout + std::chrono::seconds(2)) !=
      std::future_status::ready) {
    asio::post(impl->ioc, [impl] {
      beast::error_code ignored;
      beast::get_lowest_layer(impl->ws).socket().close(ignored);
      impl->resolver.cancel();
    });
    connected.wait();
    return fail(Errc::timeout, "websocket: connecting to " + options.url + " timed out");
  }
  ZTM_TRY(connected.get());
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl), std::move(own)));
}

Result<void> WebSocketClient::send(std::string text) {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->open) return fail(Errc::io_error, "websocket: connection closed");
  }
  asio::post(impl_->ioc,
             [impl = impl_, text = std::move(text)]() mutable { impl->write(std::move(text)); });
  return ok();
}

Result<std::string> WebSocketClient::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return !impl_->inbox.empty() || impl_->ended; });
  if (!impl_->inbox.empty()) {
    std::string text = std::move(impl_->inbox.front());
    impl_->inbox.pop_front();
    return text;
  }
  if (impl_->ended) return fail(Errc::io_error, "websocket: " + impl_->end_reason);
  return fail(Errc::timeout, "websocket: no message within the timeout");
}

void WebSocketClient::close(std::chrono::milliseconds timeout) {
  asio::post(impl_->ioc, [impl = impl_] { impl->request_close(); });
  std::unique_lock lock(impl_->mutex);
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->ended; });
}

bool WebSocketClient::is_open() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->open;
}

}  // namespace ztm::net::websocket
