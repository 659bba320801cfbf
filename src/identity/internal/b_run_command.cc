#include "internal/b_run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ztm::identity::internal {
namespace {

// run runs the command; with capture set, its standard output goes into *capture
// (bounded by max_output_bytes).
Result<void> run(const std::string& command, const std::vector<std::string>& args,
                 std::chrono::milliseconds timeout, std::string* capture,
                 std::size_t max_output_bytes) {
  const std::string script = command + " \"$@\"";
  std::vector<std::string> argv_store{"/bin/sh", "-c", script, "sh"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2] = {-1, -1};
  if (capture != nullptr && ::pipe2(out, O_CLOEXEC) != 0) {
    return fail(Errc::io_error, "hook: pipe failed");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (capture != nullptr) {
      ::close(out[0]);
      ::close(out[1]);
    }
    return fail(Errc::io_error, "hook: fork failed");
  }
  if (pid == 0) {
    if (capture != nullptr) ::dup2(out[1], STDOUT_FILENO);
    ::execv("/bin/sh", argv.data());
    ::_exit(127);
  }
  if (capture != nullptr) ::close(out[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool exited = false;
  bool reading = capture != nullptr;
  const auto stop = [&](Error e) -> Result<void> {
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    if (capture != nullptr) ::close(out[0]);
    return tl::unexpected(std::move(e));
  };
  for (;;) {
    if (reading) {
      // Drain the pipe while the child runs, so a chatty child never blocks on it.
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        char buf[4096];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n > 0) {
          capture->append(buf, static_cast<std::size_t>(n));
          if (capture->size() > max_output_bytes) {
            return stop(Error{Errc::limit_exceeded, "hook: '" + command + "' wrote more than " +
                                                        std::to_string(max_output_bytes) +
                                                        " bytes"});
          }
          continue;
        }
        reading = false;  // end of file (or an error): only the exit is left
      }
    }
    if (!exited) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done < 0) return stop(Error{Errc::io_error, "hook: waitpid failed"});
      exited = done == pid;
    }
    if (exited && !reading) break;
    if (std::chrono::steady_clock::now() > deadline) {
      return stop(Error{Errc::timeout, "hook: '" + command + "' did not finish in time"});
    }
    if (!reading) ::usleep(20'000);
  }
  if (capture != nullptr) ::close(out[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(Errc::io_error, "hook: '" + command + "' failed (exit status " +
                                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                    ")");
  }
  return ok();
}

}  // namespace

Result<void> run_command_with_args(const std::string& command, const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout) {
  return run(command, args, timeout, nullptr, 0);
}

Result<std::string> run_command_capture(const std::string& command,
                                        const std::vector<std::string>& args,
                                        std::chrono::milliseconds timeout,
                                        std::size_t max_output_bytes) {
  std::string output;
  ZTM_TRY(run(command, args, timeout, &output, max_output_bytes));
  return output;
}

}  // namespace ztm::identity::internal
