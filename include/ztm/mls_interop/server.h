// The MLS working group's interop service: a gRPC server implementing the
// `MLSClient` interface (mls-implementations, interop/proto/mls_client.proto) on
// ztmeet's MLS library, so that the working group's test runner — or any other
// implementation's driver — can play scripted scenarios against ztmeet. See
// docs/interop.md.
//
// Conventions the runner relies on: every handle (state, transaction, reinit,
// signer) is a uint32 from one counter starting at 1 (0 means "unknown");
// credentials are basic with the actor's name as identity; errors are gRPC
// status codes whose message names the MLS rule that failed.
#pragma once

#include <memory>
#include <string>

#include "ztm/base/error.h"

namespace ztm::mls_interop {

// InteropServer owns a running gRPC server and the MLS states it hands out.
// start() listens on listen_address ("127.0.0.1:PORT"; port 0 picks a free
// one); the server serves on gRPC's own threads until shutdown() or
// destruction.
class InteropServer {
 public:
  static Result<std::unique_ptr<InteropServer>> start(const std::string& listen_address);
  ~InteropServer();
  InteropServer(const InteropServer&) = delete;
  InteropServer& operator=(const InteropServer&) = delete;

  // port is the TCP port actually bound.
  int port() const;
  // wait blocks until the server shuts down.
  void wait();
  // shutdown stops accepting calls and finishes the ones in flight.
  void shutdown();

 private:
  struct Impl;
  explicit InteropServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ztm::mls_interop
