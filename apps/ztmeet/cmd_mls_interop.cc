// `ztmeet mls-interop --listen 127.0.0.1:PORT`: serve the MLS working group's
// MLSClient gRPC interface (docs/interop.md) until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "ztm/mls_interop/server.h"

namespace ztm::app {
namespace {

// Blocks SIGINT/SIGTERM in every thread (gRPC's included) and waits for one.
void wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
}

}  // namespace

void add_mls_interop_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mls-interop",
      "Serve the MLS interop gRPC interface (MLSClient of mls-implementations) so that the\n"
      "MLS working group's test runner or another implementation can drive ztmeet.\n"
      "Plaintext gRPC: listen on loopback only.");
  auto listen = std::make_shared<std::string>("127.0.0.1:50051");
  cmd->add_option("--listen", *listen, "Address to listen on (host:port; port 0 picks one)");
  cmd->callback([listen] {
    // Block the stop signals before gRPC starts its threads, so that only
    // sigwait sees them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto server = mls_interop::InteropServer::start(*listen);
    if (!server) {
      std::fprintf(stderr, "mls-interop: %s\n", server.error().what().c_str());
      throw CLI::RuntimeError(1);
    }
    // The driver (and the working group's runner) waits for this line.
    std::printf("mls-interop listening on port %d\n", (*server)->port());
    std::fflush(stdout);
    wait_for_stop_signal();
    (*server)->shutdown();
  });
}

ZTM_REGISTER_COMMAND(75, add_mls_interop_command);

}  // namespace ztm::app
