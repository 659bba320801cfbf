#include "ztm/vectors/vectors.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "ztm/base/bytes.h"

namespace ztm::vectors {

void Report::check(std::string_view case_name, const Result<void>& result) {
  if (result) {
    ++passed;
  } else {
    ++failed;
    failures.push_back(std::string(case_name) + ": " + result.error().what());
  }
}

void Report::skip(std::string_view case_name, std::string_view reason) {
  ++skipped;
  skip_reasons.push_back(std::string(case_name) + ": " + std::string(reason));
}

std::string Report::summary() const {
  return file + ": " + std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " +
         std::to_string(skipped) + " skipped";
}

Result<std::vector<std::uint8_t>> hex_field(const nlohmann::json& obj, std::string_view name) {
  const std::string key(name);
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) {
    return fail(Errc::invalid_encoding, "vector field '" + key + "' missing or not a string");
  }
  auto bytes = from_hex(obj[key].get<std::string>());
  if (!bytes) return fail(Errc::invalid_encoding, "vector field '" + key + "' is not hex");
  return bytes;
}

Result<Report> run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::io_error, "cannot open " + path.string());
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(Errc::invalid_encoding, path.string() + " is not JSON");

  for (const auto& runner : runners()) {
    if (!runner.recognizes(path, doc)) continue;
    Report report;
    report.file = path.string();
    report.kind = std::string(runner.kind);
    // Runners index into untrusted JSON; a shape they did not expect must count
    // as a failure of the file, not end the process.
    try {
      runner.run(doc, report);
    } catch (const std::exception& e) {
      ++report.failed;
      report.failures.push_back(std::string("file structure: ") + e.what());
    }
    return report;
  }
  return fail(Errc::unsupported, path.string() + " is not a test-vector file ztmeet knows");
}

}  // namespace ztm::vectors
