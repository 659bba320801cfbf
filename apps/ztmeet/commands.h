// Subcommands register themselves: each cmd_<name>.cc defines one add_<name>_command
// function and a ZTM_REGISTER_COMMAND line, so adding a subcommand touches no shared
// file. main() adds them in the order of their `order` value (the order --help lists).
#pragma once

#include <CLI/CLI.hpp>

namespace ztm::app {

using AddCommandFn = void (*)(CLI::App& app);

struct CommandRegistration {
  CommandRegistration(int order, AddCommandFn add);
};

// Every registered subcommand, sorted by order.
void add_registered_commands(CLI::App& app);

}  // namespace ztm::app

#define ZTM_REGISTER_COMMAND(order, fn)                                        \
  static const ::ztm::app::CommandRegistration ztm_command_registration_##fn { \
    order, &fn                                                                 \
  }
