// SignalingChannel: the client's end of its WebSocket to the meeting service
// (docs/protocol.md), as an interface so the client loop does not depend on the
// transport library. `ztmeet join` uses the TLS WebSocket of ztm/net (see
// make_websocket_connector); every message is one JSON text frame.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ztm/base/error.h"

namespace ztm::client {

class SignalingChannel {
 public:
  // Callbacks may run on the channel's own thread; they must not block and must not
  // destroy the channel.
  struct Callbacks {
    std::function<void(std::string text)> on_message;
    // on_closed is called once, when the connection is gone (either side closed it,
    // or it failed), with a reason for people.
    std::function<void(std::string reason)> on_closed;
  };
  virtual ~SignalingChannel() = default;
  // send queues one text frame; invalid_state once closed.
  virtual Result<void> send(std::string text) = 0;
  // close starts a clean close; on_closed follows.
  virtual void close() = 0;
};

// SignalingConnector opens a channel to a URL ("wss://host:port/v1/meetings"),
// trusting the service's TLS certificate against ca_bundle (empty: system store).
// It returns once the WebSocket is open, or with the error (io_error, untrusted,
// timeout) that prevented it.
using SignalingConnector = std::function<Result<std::unique_ptr<SignalingChannel>>(
    const std::string& url, const std::string& ca_bundle, SignalingChannel::Callbacks callbacks)>;

// make_websocket_connector is the real one (ztm/net's TLS WebSocket client). It
// returns nullptr when this build has no WebSocket client.
SignalingConnector make_websocket_connector();

}  // namespace ztm::client
