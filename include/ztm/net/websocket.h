// WebSocket over TLS (RFC 6455 over TLS 1.2/1.3), server and client, for the
// signaling protocol (docs/protocol.md). Text frames only; Boost.Beast is confined
// to src/net/websocket/*.cc and nothing of it shows here.
//
// Threading model:
//  - WebSocketServer runs ONE io_context on ONE thread of its own. Every handler
//    callback (on_open, on_message, on_close, the timer, health) runs on that thread,
//    never concurrently, so a handler may own single-threaded state (the
//    DeliveryService) without locks (STYLE rule 18). send/close/post may be called
//    from any thread.
//  - WebSocketClient runs on a ClientContext: one io_context and one thread that
//    many clients may share (the load bench runs 1 000 clients on one thread). A
//    client made without a context gets a private one. Received frames go to the
//    on_message callback (on the context's thread) or, without one, into a queue
//    read by receive().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::net::websocket {

using ConnectionId = std::uint64_t;

// ServerHandlers are the server's callbacks (all run on the server thread).
struct ServerHandlers {
  // on_open: a WebSocket upgraded on the server path. `remote` is "ip:port".
  std::function<void(ConnectionId, const std::string& remote)> on_open;
  // on_message: one complete text frame. A binary frame or one over
  // max_message_bytes closes the connection (RFC 6455 §7.4.1: 1003 / 1009).
  std::function<void(ConnectionId, std::string&& text)> on_message;
  // on_close: the connection is gone (either side closed it, or it failed). Called
  // exactly once for every connection that had on_open.
  std::function<void(ConnectionId)> on_close;
  // health: the JSON body of GET /healthz (200). Empty: {"status":"ok"}.
  std::function<std::string()> health;
  // on_tick: called every tick_interval (timers of the handler).
  std::function<void()> on_tick;
};

struct ServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  std::uint16_t port = 0;             // 0: a free port (see port())
  std::string path = "/v1/meetings";  // the WebSocket endpoint; others get 404
  // TLS identity: certificate chain (leaf first) and private key, as PEM files or
  // PEM text. Required: the server speaks only TLS.
  std::string cert_chain_file;
  std::string private_key_file;
  std::string cert_chain_pem;
  SecretBytes private_key_pem;
  std::size_t max_message_bytes = 16 * 1024 * 1024;  // protocol::kMaxMessageBytes
  std::size_t max_connections = 20000;               // more are refused at accept
  // handshake_timeout bounds TCP accept to WebSocket upgrade (TLS + HTTP).
  std::chrono::milliseconds handshake_timeout{10'000};
  // ping_interval: the server pings idle connections and closes those that do not
  // answer within another interval (Beast's idle timeout with keep-alive pings).
  std::chrono::milliseconds ping_interval{15'000};
  std::chrono::milliseconds tick_interval{100};
  // max_queued_bytes: a connection whose unsent frames exceed this is closed (a slow
  // reader must not grow the service's memory without bound).
  std::size_t max_queued_bytes = 64 * 1024 * 1024;
};

// ServerCounters are for /healthz and the load bench.
struct ServerCounters {
  std::size_t connections = 0;  // open WebSockets now
  std::uint64_t accepted = 0;   // WebSockets upgraded since start
  std::uint64_t refused = 0;    // over max_connections, bad TLS, bad upgrade
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;
};

class WebSocketServer {
 public:
  // start binds, listens and starts the server thread. Errors: io_error (bind),
  // invalid_key (certificate or key unusable), invalid_argument.
  static Result<std::unique_ptr<WebSocketServer>> start(const ServerOptions& options,
                                                        ServerHandlers handlers);
  ~WebSocketServer();  // stop()
  WebSocketServer(const WebSocketServer&) = delete;
  WebSocketServer& operator=(const WebSocketServer&) = delete;

  std::uint16_t port() const;
  // send queues one text frame; dropped if the connection is gone. Any thread.
  void send(ConnectionId connection, std::string text);
  // close sends a close frame (1000) after the queued frames; on_close follows. Any thread.
  void close(ConnectionId connection);
  // post runs fn on the server thread. Any thread.
  void post(std::function<void()> fn);
  ServerCounters counters() const;
  // stop closes the listener, sends a close frame (1001 going away) on every
  // connection, waits up to `grace` for them to finish, then stops the thread.
  // on_close is called for each connection. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  struct Impl;

 private:
  explicit WebSocketServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// ClientContext is an io_context and the one thread running it, shared by clients.
class ClientContext {
 public:
  ClientContext();
  ~ClientContext();  // every client made on it must be destroyed first
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct ClientOptions {
  // url: wss://host:port/path (only wss).
  std::string url;
  // Trust: a PEM file of trust anchors (ca_file), and/or the SHA-256 fingerprint of
  // the server's leaf certificate (pinned_sha256: hex, colons allowed, any case).
  // With a pin, the leaf must match it and the CA check is skipped; with neither,
  // the system trust store is used. The host name (or IP) is always checked against
  // the certificate when a CA is used.
  std::string ca_file;
  std::string pinned_sha256;
  std::chrono::milliseconds connect_timeout{10'000};
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  // on_message: received text frames (on the context thread). Empty: queued for
  // receive().
  std::function<void(std::string&& text)> on_message;
  // on_close: the connection ended (closed by the server or failed); `reason` names
  // why. Runs on the context thread.
  std::function<void(const std::string& reason)> on_close;
};

class WebSocketClient {
 public:
  // connect resolves, connects, runs TLS and the WebSocket upgrade, and returns once
  // the connection is open. `context` may be null (a private one is made); it must
  // outlive the client. Errors: invalid_argument (URL), io_error, untrusted
  // (certificate or pin), timeout.
  static Result<std::unique_ptr<WebSocketClient>> connect(const ClientOptions& options,
                                                          ClientContext* context = nullptr);
  ~WebSocketClient();  // closes (without waiting for the server's answer)
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // send queues one text frame. io_error once the connection is closed. Any thread.
  Result<void> send(std::string text);
  // receive waits up to `timeout` for the next queued frame (only without
  // on_message). timeout when none came; io_error when closed and drained.
  Result<std::string> receive(std::chrono::milliseconds timeout);
  // close sends a close frame (1000) and waits up to `timeout` for the server's.
  void close(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  bool is_open() const;

  struct Impl;

 private:
  explicit WebSocketClient(std::shared_ptr<Impl> impl, std::unique_ptr<ClientContext> own);
  std::unique_ptr<ClientContext> own_context_;
  std::shared_ptr<Impl> impl_;
};

// TlsIdentity is a certificate chain and its private key, as PEM.
struct TlsIdentity {
  std::string cert_chain_pem;
  SecretBytes private_key_pem;
};

// generate_self_signed makes an ECDSA P-256 key and a self-signed certificate for
// `names` (DNS names or IP literals, all in subjectAltName; the first is also the
// subject CN), valid from now for `validity_days`. For `ztmeet server
// --self-signed`: clients pin its fingerprint or use it as their CA file.
Result<TlsIdentity> generate_self_signed(const std::vector<std::string>& names,
                                         int validity_days = 365);

// certificate_sha256 returns the SHA-256 fingerprint of the first certificate of a
// PEM text as uppercase hex with colons ("AB:CD:..."), the form pinned_sha256 takes.
Result<std::string> certificate_sha256(std::string_view pem);

}  // namespace ztm::net::websocket
