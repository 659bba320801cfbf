// The real SignalingConnector: ztm/net's TLS WebSocket client (ztm/client/signaling.h).
#include <atomic>

#include "ztm/client/signaling.h"
#include "ztm/net/websocket.h"

namespace ztm::client {
namespace {

class WebSocketChannel final : public SignalingChannel {
 public:
  explicit WebSocketChannel(std::unique_ptr<net::websocket::WebSocketClient> ws)
      : ws_(std::move(ws)) {}
  Result<void> send(std::string text) override { return ws_->send(std::move(text)); }
  void close() override { ws_->close(std::chrono::milliseconds(1000)); }

 private:
  std::unique_ptr<net::websocket::WebSocketClient> ws_;
};

}  // namespace

SignalingConnector make_websocket_connector() {
  return [](const std::string& url, const std::string& ca_bundle,
            SignalingChannel::Callbacks callbacks) -> Result<std::unique_ptr<SignalingChannel>> {
    net::websocket::ClientOptions o;
    o.url = url;
    o.ca_file = ca_bundle;
    // on_close must reach the client once, also when the connection never opened.
    auto closed = std::make_shared<std::atomic<bool>>(false);
    o.on_message = [cb = callbacks.on_message](std::string&& text) { cb(std::move(text)); };
    o.on_close = [cb = callbacks.on_closed, closed](const std::string& reason) {
      if (!closed->exchange(true)) cb(reason);
    };
    ZTM_TRY_ASSIGN(auto ws, net::websocket::WebSocketClient::connect(o));
    return std::unique_ptr<SignalingChannel>(std::make_unique<WebSocketChannel>(std::move(ws)));
  };
}

}  // namespace ztm::client
