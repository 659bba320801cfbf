// ztmeet: zero-trust, end-to-end encrypted meetings. One binary, one subcommand per
// role; every subcommand is a thin layer over the libraries.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <utility>
#include <vector>

#include "commands.h"

namespace ztm::app {
namespace {

std::vector<std::pair<int, AddCommandFn>>& registry() {
  static std::vector<std::pair<int, AddCommandFn>> commands;
  return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(int order, AddCommandFn add) {
  registry().emplace_back(order, add);
}

void add_registered_commands(CLI::App& app) {
  auto commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, add] : commands) add(app);
}

}  // namespace ztm::app

int main(int argc, char** argv) {
  CLI::App app{
      "ztmeet — end-to-end encrypted meetings on MLS (RFC 9420) and SFrame (RFC 9605).\n"
      "The meeting service relays every byte but can read none of it."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ztmeet 0.1.0");
  ztm::app::add_registered_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
