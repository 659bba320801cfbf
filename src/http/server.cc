// The HTTP server: an acceptor and one asynchronous session per connection on an
// io_context run by the server's own threads. Each session lives on its own strand,
// so one connection's steps never run concurrently.
#include "ztm/http/server.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace ztm::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  // Sessions count themselves here, also while the io_context destroys them: so it
  // is declared before the io_context.
  std::atomic<std::size_t> connections{0};
  // Declared before the io_context so it outlives every session the io_context
  // destroys.
  std::optional<asio::ssl::context> tls;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::once_flag stop_once;
  std::uint16_t port = 0;

  void accept();
  Response call_handler(Request&& request) const;
};

namespace {

// Session serves one connection: optional TLS handshake, then requests until the
// peer closes, asks to close, errs or idles out.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl& server, Stream&& stream, std::string remote)
      : server_(server), stream_(std::move(stream)), remote_(std::move(remote)) {
    ++server_.connections;
  }
  ~Session() { --server_.connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_request_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      Response too_large{413, {}, "request body too large\n"};
      return write(std::move(too_large), false, false);
    }
    if (ec) return close();
    auto message = parser_->release();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.add(std::string_view(field.name_string().data(), field.name_string().size()),
                          std::string_view(field.value().data(), field.value().size()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    const bool head = message.method() == bhttp::verb::head;
    write(server_.call_handler(std::move(request)), message.keep_alive(), head);
  }

  void write(Response&& response, bool keep_alive, bool head) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.fields()) res->insert(name, value);
    if (!res->has_content_length()) res->content_length(response.body.size());
    // A HEAD response carries the headers a GET would, but no body (RFC 9110 §9.3.2).
    if (!head) res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    beast::get_lowest_layer(stream_).expires_after(server_.options.idle_timeout);
    bhttp::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
          if (ec || !keep_alive) return self->close();
          self->read();
        });
  }

  void close() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    }
  }

  HttpServer::Impl& server_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
};

}  // namespace

Response HttpServer::Impl::call_handler(Request&& request) const {
  try {
    return handler(request);
  } catch (const std::exception&) {
    return Response{500, {{"Content-Type", "text/plain"}}, "internal error\n"};
  }
}

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && connections >= options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else if (!ec) {
      beast::error_code remote_ec;
      auto remote = socket.remote_endpoint(remote_ec);
      std::string remote_address = remote_ec ? "" : remote.address().to_string();
      if (tls) {
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(stream),
                                                                        std::move(remote_address))
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)),
                                                     std::move(remote_address))
            ->start();
      }
    }
    accept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options,
                                                      Handler handler) {
  if (!handler) return fail(Errc::invalid_argument, "http server: no handler");
  if (options.worker_threads < 1 || options.worker_threads > 64) {
    return fail(Errc::invalid_argument, "http server: worker_threads must be 1..64");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);

  const bool has_files =
      !options.tls_cert_chain_file.empty() || !options.tls_private_key_file.empty();
  const bool has_pem = !options.tls_cert_chain_pem.empty() || !options.tls_private_key_pem.empty();
  if (has_files || has_pem) {
    impl->tls.emplace(asio::ssl::context::tls_server);
    auto& ctx = *impl->tls;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (has_files) {
      ctx.use_certificate_chain_file(options.tls_cert_chain_file, ec);
      if (!ec) ctx.use_private_key_file(options.tls_private_key_file, asio::ssl::context::pem, ec);
    } else {
      ctx.use_certificate_chain(asio::buffer(options.tls_cert_chain_pem), ec);
      if (!ec) {
        const ByteView key = options.tls_private_key_pem.expose();
        ctx.use_private_key(asio::buffer(key.data(), key.size()), asio::ssl::context::pem, ec);
      }
    }
    if (ec)
      return fail(Errc::invalid_key,
                  "http server: TLS certificate or key unusable: " + ec.message());
  }

  beast::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) return fail(Errc::invalid_argument, "http server: bad address '" + options.address + "'");
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(Errc::io_error, "http server: cannot listen on " + options.address + ":" +
                                    std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  for (int i = 0; i < options.worker_threads; ++i) {
    impl->threads.emplace_back([raw = impl.get()] { raw->ioc.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

std::string HttpServer::base_url() const {
  const bool ipv6 = impl_->options.address.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + impl_->options.address + "]" : impl_->options.address;
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" +
         std::to_string(impl_->port);
}

void HttpServer::stop() {
  if (!impl_) return;
  std::call_once(impl_->stop_once, [this] {
    impl_->ioc.stop();
    for (auto& t : impl_->threads) {
      if (t.joinable()) t.join();
    }
    // No thread runs the io_context any more: the acceptor is ours to close, and the
    // sessions still queued die with the io_context.
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
}

}  // namespace ztm::http
