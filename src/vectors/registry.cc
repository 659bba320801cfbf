// The registry of vector runners, filled by ZTM_REGISTER_VECTOR_RUNNER in each
// runner file during static initialization.
#include "internal/runners.h"

#include <nlohmann/json.hpp>

namespace ztm::vectors {
namespace {
std::vector<Runner>& registry() {
  static std::vector<Runner> all;
  return all;
}
}  // namespace

bool register_runner(Runner (*factory)()) {
  registry().push_back(factory());
  return true;
}

const std::vector<Runner>& runners() {
  return registry();
}

Runner per_suite_runner(std::string_view kind, std::string_view file_name,
                        Result<void> (*run_case)(const nlohmann::json& c)) {
  return {
      kind,
      [file_name](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == file_name;
      },
      [run_case](const nlohmann::json& doc, Report& report) {
        for (const auto& c : doc) {
          const std::string name = "cipher_suite " + std::to_string(c.value("cipher_suite", 0));
          Result<void> result;
          try {
            result = run_case(c);
          } catch (const nlohmann::json::exception& e) {
            result = fail(Errc::invalid_encoding, std::string("malformed case: ") + e.what());
          }
          report.check(name, result);
        }
      },
  };
}

}  // namespace ztm::vectors
