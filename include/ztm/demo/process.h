// Child processes for the networked demo and the integration tests: each service,
// CA and client runs as its own `ztmeet` (or node) process, so what the demo shows
// is what separate machines would do. A Process is stopped by its own PID (SIGTERM,
// then SIGKILL) when it goes away; nothing is ever killed by name.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ztm/base/error.h"

namespace ztm::demo {

struct ProcessOptions {
  std::string program;  // a path, or a name looked up in PATH
  std::vector<std::string> args;
  std::map<std::string, std::string> extra_env;
  // log_file receives stderr (and stdout unless capture_stdout).
  std::filesystem::path log_file;
  bool capture_stdout = false;  // read_line() reads it
  bool pipe_stdin = false;      // write_line() writes to it
};

class Process {
 public:
  // spawn starts the program; io_error if it cannot be started.
  static Result<Process> spawn(const ProcessOptions& options);
  // A default Process runs nothing (pid -1) until a spawned one is moved in.
  Process() = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // read_line returns the next line of the child's stdout (without '\n'), or nullopt
  // when none arrived within timeout or the child closed its stdout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // write_line sends text + '\n' to the child's stdin.
  Result<void> write_line(const std::string& text);
  // close_stdin closes the child's stdin (EOF).
  void close_stdin();
  // running is false once the child has exited (its status is then exit_status()).
  bool running();
  // wait waits up to timeout for the child to exit; its exit code, or nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::optional<int> exit_status() const { return exit_status_; }
  // stop sends SIGTERM, waits up to 3 s, then SIGKILL (idempotent).
  void stop();
  // kill sends SIGKILL now: a crash, as far as peers can tell.
  void kill();
  bool stdout_closed() const { return stdout_fd_ < 0 && buffer_.empty(); }

 private:
  void reap(bool block);
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> exit_status_;
};

// free_udp_tcp_port asks the kernel for a port that is free for TCP on 127.0.0.1.
std::uint16_t free_port();

// self_executable is the path of the running program (/proc/self/exe).
std::string self_executable();

}  // namespace ztm::demo
