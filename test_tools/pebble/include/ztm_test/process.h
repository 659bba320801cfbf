// Test helpers for real peers: a temporary directory, a free loopback port and a
// child process that is stopped by its PID when the object goes away, even when the
// test fails halfway.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ztm_test {

// TempDir creates a fresh directory under $TMPDIR (or /tmp) and removes it with
// everything inside when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ztm");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// free_port asks the kernel for an unused TCP port on 127.0.0.1 (bind to 0, read,
// close), never returning the same port twice within one process. Another process
// could take it before we use it; on a test machine that race is rare enough.
std::uint16_t free_port();

// ChildProcess runs a program with extra environment variables, stdout and stderr
// appended to log_file. The destructor sends SIGTERM to that PID, waits up to two
// seconds, then SIGKILL.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env,
               const std::filesystem::path& log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // running is false once the child has exited.
  bool running();
  // stop terminates the child now (idempotent).
  void stop();

 private:
  pid_t pid_ = -1;
};

// run_command runs a shell command line and returns its exit status (tests only).
int run_command(const std::string& command_line);

// read_text returns a file's contents ("" if unreadable).
std::string read_text(const std::filesystem::path& file);

}  // namespace ztm_test
