// The one loader for official test-vector files (MLS, HPKE, SFrame). It recognizes
// a file by its name and shape, runs every case, and counts each case as passed,
// failed or skipped (with the reason). `ztmeet vectors FILE...` and the GoogleTest
// suites call the same code.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ztm/base/error.h"

namespace ztm::vectors {

// Report counts the cases of one file.
struct Report {
  std::string file;
  std::string kind;  // which runner handled it ("hpke", "sframe", "mls/tree-math", ...)
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t skipped = 0;
  std::vector<std::string> failures;      // "case name: what went wrong"
  std::vector<std::string> skip_reasons;  // "case name: why it was skipped"

  // check records one case: passed if result holds a value, failed otherwise.
  void check(std::string_view case_name, const Result<void>& result);
  // skip records one case that was not run, and why.
  void skip(std::string_view case_name, std::string_view reason);
  // summary is "FILE: N passed, M failed, K skipped".
  std::string summary() const;
};

// Runner handles one kind of vector file.
struct Runner {
  std::string_view kind;
  // recognizes says whether this runner owns the file (by name and/or shape).
  std::function<bool(const std::filesystem::path& path, const nlohmann::json& doc)> recognizes;
  // run executes every case of doc, recording each in report.
  std::function<void(const nlohmann::json& doc, Report& report)> run;
};

// runners lists every runner ztmeet has (see src/vectors/registry.cc).
const std::vector<Runner>& runners();

// run_file loads and runs one file. A file no runner recognizes, or that is not
// JSON, is an error (not a pass).
Result<Report> run_file(const std::filesystem::path& path);

// Helpers for runners: read a hex string field, failing with a clear message.
Result<std::vector<std::uint8_t>> hex_field(const nlohmann::json& obj, std::string_view name);

}  // namespace ztm::vectors
