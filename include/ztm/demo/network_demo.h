// The networked demo `ztmeet demo` (and `make demo`) runs: a whole meeting on
// loopback with every party a separate process — an organization's IdP and CA, the
// provider's CA, the meeting service, and one `ztmeet join` per participant — and a
// check of every claim it prints. docs/client.md walks through it.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "ztm/base/error.h"

namespace ztm::demo {

struct NetworkDemoOptions {
  std::string ztmeet;                      // the binary (default: this program)
  std::filesystem::path source_dir = ".";  // the repository (test_tools/peers)
  std::filesystem::path work_dir;          // empty: a fresh directory under /tmp
  bool keep_work_dir = false;              // keep logs and recordings afterwards
  // media_seconds: how long participants talk in each phase.
  double media_seconds = 3.0;
};

// run_network_demo prints the story and fails with the first check that did not
// hold (every check is listed in the final report either way).
Result<void> run_network_demo(const NetworkDemoOptions& options, std::ostream& out);

}  // namespace ztm::demo
