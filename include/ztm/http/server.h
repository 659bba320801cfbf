// A small HTTP/1.1 server over TCP or TLS, for the ACME server (`ztmeet ca serve`),
// the http-01 challenge responder and test peers. It runs its own io_context on its
// own threads; the handler is an ordinary function from Request to Response.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/http/message.h"

namespace ztm::http {

// Handler answers one request. It runs on one of the server's threads (several
// at once if worker_threads > 1), so it must be thread-safe then, and it should not
// block for long: a slow handler holds a worker. Exceptions escaping it become a
// 500 response.
using Handler = std::function<Response(const Request&)>;

// ServerOptions says where and how to listen.
struct ServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal to bind
  std::uint16_t port = 0;             // 0 picks a free port: read it from port()
  // TLS: give the certificate chain (leaf first) and its private key, either as PEM
  // files or as PEM text. With neither, the server speaks plain HTTP.
  std::string tls_cert_chain_file;
  std::string tls_private_key_file;
  std::string tls_cert_chain_pem;
  SecretBytes tls_private_key_pem;
  std::size_t max_request_body_bytes = 1024 * 1024;  // larger is answered 413
  std::chrono::milliseconds idle_timeout{15'000};    // per read/handshake
  int worker_threads = 1;                            // threads running the io_context
  // max_connections bounds the connections served at once; more are closed on
  // accept, so a flood of idle clients costs a socket each only until then.
  std::size_t max_connections = 256;
};

// HttpServer listens from start() until stop() or destruction. Not copyable.
class HttpServer {
 public:
  // start binds, listens and starts the worker threads. Errors: io_error (bind,
  // listen), invalid_key (TLS certificate/key unusable), invalid_argument.
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // port is the bound port (useful with options.port = 0).
  std::uint16_t port() const;
  // base_url is "http(s)://<address>:<port>" (IPv6 in brackets), no trailing slash.
  std::string base_url() const;
  // stop closes the listener and every connection and joins the threads.
  // Idempotent; the destructor calls it.
  void stop();

  // Impl is opaque; it is public only so the sessions in server.cc can name it.
  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::http
