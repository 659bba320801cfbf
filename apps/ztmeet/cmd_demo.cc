// `ztmeet demo`: the unattended tour that `make demo` runs.
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "ztm/demo/tour.h"

namespace ztm::app {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the ztmeet tour: the official test vectors, then a meeting rehearsed in memory\n"
      "(MLS group with joins and a leave, SFrame-protected audio frames). Every claim it\n"
      "prints is checked; the exit status is non-zero if one did not hold.");
  auto vectors = std::make_shared<std::string>("../shared/testvectors");
  cmd->add_option("--vectors", *vectors, "Directory of the official test vectors")
      ->capture_default_str();
  cmd->callback([vectors] {
    demo::TourOptions options;
    options.vectors_dir = *vectors;
    auto result = demo::run_tour(options, std::cout);
    if (!result) {
      std::cerr << "\ndemo failed: " << result.error().what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

ZTM_REGISTER_COMMAND(60, add_demo_command);

}  // namespace ztm::app
