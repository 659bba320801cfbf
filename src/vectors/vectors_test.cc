// Runs every official vector file through the same loader as `ztmeet vectors`,
// one GoogleTest per file, so ctest shows each file's counts.
#include "ztm/vectors/vectors.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace ztm::vectors {
namespace {

std::filesystem::path vectors_dir() {
  if (const char* env = std::getenv("ZTM_TESTVECTORS_DIR")) return env;
  return ZTM_TESTVECTORS_DIR;
}

void run(const std::string& relative, std::size_t min_cases) {
  const auto path = vectors_dir() / relative;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  auto report = run_file(path);
  ASSERT_TRUE(report) << report.error().what();
  std::cout << report->summary() << "\n";
  for (const auto& s : report->skip_reasons) std::cout << "  skipped " << s << "\n";
  for (const auto& f : report->failures) ADD_FAILURE() << f;
  EXPECT_EQ(report->failed, 0u);
  EXPECT_GE(report->passed, min_cases) << "fewer cases ran than the file holds";
}

TEST(Vectors, MlsDeserialization) { run("mls/deserialization.json", 14); }

TEST(Vectors, UnknownFileIsAnError) {
  auto report = run_file(std::filesystem::path(ZTM_SOURCE_DIR) / "CMakePresets.json");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::unsupported);
}

}  // namespace
}  // namespace ztm::vectors
