// Each add_*_command registers one subcommand (and its --help) on the app.
#pragma once

#include <CLI/CLI.hpp>

namespace ztm::app {

void add_vectors_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_ca_command(CLI::App& app);
void add_enroll_command(CLI::App& app);
void add_identity_command(CLI::App& app);

}  // namespace ztm::app
