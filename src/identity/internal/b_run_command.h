// run_command_with_args runs "/bin/sh -c '<command> "$@"' sh args..." and waits at
// most timeout for it: the command line is the user's, the arguments never pass
// through the shell's parser. Used by the dns-01 hook.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ztm/base/error.h"

namespace ztm::identity::internal {

// Non-zero exit or a signal is io_error; overrunning the timeout kills the child and
// is timeout.
Result<void> run_command_with_args(const std::string& command, const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout);

}  // namespace ztm::identity::internal
