// ServiceProcess: a `ztmeet server` process (the untrusted meeting service) on
// loopback, for the demo and the integration tests. It keeps its state in data_dir,
// so stopping it and starting it again with the same options is a service restart.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/demo/process.h"

namespace ztm::demo {

struct ServiceOptions {
  std::string ztmeet;
  std::filesystem::path data_dir;
  std::filesystem::path tls_cert;  // leaf + chain for 127.0.0.1
  std::filesystem::path tls_key;
  std::filesystem::path log_file;
  std::uint16_t port = 0;               // 0: a free one, kept across restarts
  std::vector<std::string> extra_args;  // e.g. a hostile mode
};

class ServiceProcess {
 public:
  // start launches the service and waits until it accepts connections.
  static Result<ServiceProcess> start(ServiceOptions options);
  // restart stops the process and starts it again on the same port and data_dir.
  Result<void> restart();
  void stop() { process_.stop(); }
  void kill() { process_.kill(); }
  bool running() { return process_.running(); }
  pid_t pid() const { return process_.pid(); }

  std::string url() const;  // wss://127.0.0.1:<port>/v1/meetings
  std::uint16_t port() const { return options_.port; }
  const ServiceOptions& options() const { return options_; }

 private:
  ServiceProcess() = default;
  Result<void> launch();
  ServiceOptions options_;
  std::uint16_t media_port_ = 0;  // the SFU's UDP port, kept across restarts
  Process process_;
};

}  // namespace ztm::demo
