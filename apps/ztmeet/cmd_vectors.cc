// `ztmeet vectors FILE...`: run official test-vector files and count every case.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.h"
#include "ztm/vectors/vectors.h"

namespace ztm::app {

void add_vectors_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "vectors",
      "Run official test-vector files (HPKE, MLS, SFrame) and report per file\n"
      "'N passed, M failed, K skipped'. Exit status is non-zero if any case failed.");
  auto files = std::make_shared<std::vector<std::string>>();
  auto verbose = std::make_shared<bool>(false);
  cmd->add_option("files", *files, "Vector files (JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("-v,--verbose", *verbose, "Print every failure, not just the first ten");
  cmd->callback([files, verbose] {
    bool any_failed = false;
    for (const auto& file : *files) {
      auto report = vectors::run_file(file);
      if (!report) {
        std::fprintf(stderr, "%s: error: %s\n", file.c_str(), report.error().what().c_str());
        any_failed = true;
        continue;
      }
      std::printf("%s\n", report->summary().c_str());
      for (const auto& reason : report->skip_reasons) std::printf("  skipped %s\n", reason.c_str());
      const std::size_t shown = *verbose ? report->failures.size() : 10;
      for (std::size_t i = 0; i < report->failures.size() && i < shown; ++i) {
        std::printf("  FAILED %s\n", report->failures[i].c_str());
      }
      if (report->failures.size() > shown) {
        std::printf("  ... and %zu more (use --verbose)\n", report->failures.size() - shown);
      }
      any_failed = any_failed || report->failed > 0;
    }
    if (any_failed) throw CLI::RuntimeError(1);
  });
}

ZTM_REGISTER_COMMAND(70, add_vectors_command);

}  // namespace ztm::app
