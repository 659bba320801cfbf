// run_command_with_args runs "/bin/sh -c '<command> "$@"' sh args..." and waits at
// most timeout for it: the command line is the user's, the arguments never pass
// through the shell's parser. Used by the dns-01 hook and the provider-01 token
// command.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "ztm/base/error.h"

namespace ztm::identity::internal {

// Non-zero exit or a signal is io_error; overrunning the timeout kills the child and
// is timeout.
Result<void> run_command_with_args(const std::string& command, const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout);

// run_command_capture is run_command_with_args that also returns what the command
// wrote to its standard output; more than max_output_bytes kills it and is
// limit_exceeded. Its standard error stays the caller's.
Result<std::string> run_command_capture(const std::string& command,
                                        const std::vector<std::string>& args,
                                        std::chrono::milliseconds timeout,
                                        std::size_t max_output_bytes);

}  // namespace ztm::identity::internal
