// `ztmeet demo`: what `make demo` runs. By default a whole networked meeting on
// loopback (separate CA, service and client processes); `--offline` runs the tour
// of the official vectors and an in-memory MLS/SFrame rehearsal instead.
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "ztm/demo/network_demo.h"
#include "ztm/demo/tour.h"

namespace ztm::app {
namespace {

struct DemoArgs {
  bool offline = false;
  std::string vectors = "../shared/testvectors";
  std::string work_dir;
  bool keep = false;
  double media_seconds = 3.0;
};

bool has_subcommand(CLI::App& root, const std::string& name) {
  try {
    return root.get_subcommand(name) != nullptr;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

void run_offline(const DemoArgs& args) {
  demo::TourOptions options;
  options.vectors_dir = args.vectors;
  auto result = demo::run_tour(options, std::cout);
  if (!result) {
    std::cerr << "\ndemo failed: " << result.error().what() << "\n";
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run a whole end-to-end encrypted meeting on this machine: an organization's\n"
      "IdP and CA, the provider's CA, the meeting service and one `ztmeet join` per\n"
      "participant, each its own process on loopback. Every claim it prints is checked;\n"
      "the exit status is non-zero if one did not hold. --offline runs the tour of the\n"
      "official test vectors and an in-memory MLS/SFrame rehearsal instead.");
  auto args = std::make_shared<DemoArgs>();
  cmd->add_flag("--offline", args->offline,
                "Run the offline tour (vectors + in-memory rehearsal) instead");
  cmd->add_option("--vectors", args->vectors, "Directory of the official test vectors (--offline)")
      ->capture_default_str();
  cmd->add_option("--work-dir", args->work_dir,
                  "Directory for logs, identities and recordings (default: a fresh one in /tmp)");
  cmd->add_flag("--keep", args->keep, "Keep the work directory after a successful run");
  cmd->add_option("--media-seconds", args->media_seconds, "How long participants talk per phase")
      ->check(CLI::Range(0.5, 60.0))
      ->capture_default_str();
  cmd->callback([args, &app] {
    if (args->offline) {
      run_offline(*args);
      return;
    }
    if (!has_subcommand(app, "server") || !has_subcommand(app, "join")) {
      std::cout
          << "This build has no `ztmeet server` or `ztmeet join` yet, so the networked\n"
             "meeting cannot run. Running the offline tour instead (ztmeet demo --offline).\n";
      run_offline(*args);
      return;
    }
    demo::NetworkDemoOptions options;
    options.work_dir = args->work_dir;
    options.keep_work_dir = args->keep || !args->work_dir.empty();
    options.media_seconds = args->media_seconds;
    auto result = demo::run_network_demo(options, std::cout);
    if (!result) {
      std::cerr << "\ndemo failed: " << result.error().what() << "\n";
      throw CLI::RuntimeError(1);
    }
  });
}

ZTM_REGISTER_COMMAND(60, add_demo_command);

}  // namespace ztm::app
