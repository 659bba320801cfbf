#include "internal/b_run_command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace ztm::identity::internal {

Result<void> run_command_with_args(const std::string& command, const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout) {
  const std::string script = command + " \"$@\"";
  std::vector<std::string> argv_store{"/bin/sh", "-c", script, "sh"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io_error, "hook: fork failed");
  if (pid == 0) {
    ::execv("/bin/sh", argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return fail(Errc::io_error, "hook: waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return fail(Errc::timeout, "hook: '" + command + "' did not finish in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(Errc::io_error, "hook: '" + command + "' failed (exit status " +
                                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                    ")");
  }
  return ok();
}

}  // namespace ztm::identity::internal
