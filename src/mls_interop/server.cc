// InteropServer: the MLSClient service behind a gRPC server on one address.
#include "ztm/mls_interop/server.h"

#include "internal/service.h"

namespace ztm::mls_interop {

struct InteropServer::Impl {
  MlsClientService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

InteropServer::InteropServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

InteropServer::~InteropServer() {
  shutdown();
}

Result<std::unique_ptr<InteropServer>> InteropServer::start(const std::string& listen_address) {
  auto impl = std::make_unique<Impl>();
  grpc::ServerBuilder builder;
  // Test runner traffic only: plaintext on the given (loopback) address.
  builder.AddListeningPort(listen_address, grpc::InsecureServerCredentials(), &impl->port);
  builder.RegisterService(&impl->service);
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return fail(Errc::io_error, "interop.listen: cannot listen on " + listen_address);
  }
  return std::unique_ptr<InteropServer>(new InteropServer(std::move(impl)));
}

int InteropServer::port() const {
  return impl_->port;
}

void InteropServer::wait() {
  if (impl_->server) impl_->server->Wait();
}

void InteropServer::shutdown() {
  if (impl_ && impl_->server) impl_->server->Shutdown();
}

}  // namespace ztm::mls_interop
