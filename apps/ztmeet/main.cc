// ztmeet: zero-trust, end-to-end encrypted meetings. One binary, one subcommand per
// role; every subcommand is a thin layer over the libraries.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ztmeet — end-to-end encrypted meetings on MLS (RFC 9420) and SFrame (RFC 9605).\n"
      "The meeting service relays every byte but can read none of it."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ztmeet 0.1.0");

  ztm::app::add_vectors_command(app);
  ztm::app::add_demo_command(app);
  ztm::app::add_ca_command(app);
  ztm::app::add_enroll_command(app);
  ztm::app::add_identity_command(app);

  CLI11_PARSE(app, argc, argv);
  return 0;
}
