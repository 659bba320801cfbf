// A `ztmeet server` process (ztm/demo/service.h).
#include "ztm/demo/service.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace ztm::demo {
namespace {

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<ServiceProcess> ServiceProcess::start(ServiceOptions options) {
  if (options.port == 0) options.port = free_port();
  std::filesystem::create_directories(options.data_dir);
  ServiceProcess s;
  s.options_ = std::move(options);
  ZTM_TRY(s.launch());
  return s;
}

Result<void> ServiceProcess::launch() {
  if (media_port_ == 0) media_port_ = free_port();
  std::vector<std::string> args{"server",
                                "--listen",
                                "127.0.0.1:" + std::to_string(options_.port),
                                "--cert",
                                options_.tls_cert.string(),
                                "--key",
                                options_.tls_key.string(),
                                "--db",
                                (options_.data_dir / "meetings.db").string(),
                                "--media-listen",
                                "127.0.0.1:" + std::to_string(media_port_),
                                "--open"};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  ZTM_TRY_ASSIGN(process_,
                 Process::spawn({options_.ztmeet, args, {}, options_.log_file, false, false}));
  for (int i = 0; i < 300; ++i) {
    if (!process_.running()) {
      return fail(Errc::io_error,
                  "ztmeet server exited at start (see " + options_.log_file.string() + ")");
    }
    if (accepts_connections(options_.port)) return ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail(Errc::timeout, "ztmeet server did not listen on port " +
                                 std::to_string(options_.port) + " (see " +
                                 options_.log_file.string() + ")");
}

Result<void> ServiceProcess::restart() {
  process_.stop();
  return launch();
}

std::string ServiceProcess::url() const {
  return "wss://127.0.0.1:" + std::to_string(options_.port) + "/v1/meetings";
}

}  // namespace ztm::demo
