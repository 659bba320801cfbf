// Test helper: run one official vector file through the shared loader and turn its
// counts into GoogleTest assertions (every failure reported, every skip printed).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "ztm/vectors/vectors.h"

namespace ztm_test {

inline std::filesystem::path vectors_dir() {
  if (const char* env = std::getenv("ZTM_TESTVECTORS_DIR")) return env;
  return ZTM_TESTVECTORS_DIR;
}

// expect_vector_file runs vectors_dir()/relative and expects 0 failures and at
// least min_passed passing cases.
inline void expect_vector_file(const std::string& relative, std::size_t min_passed) {
  const auto path = vectors_dir() / relative;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  auto report = ztm::vectors::run_file(path);
  ASSERT_TRUE(report) << report.error().what();
  std::cout << report->summary() << "\n";
  for (const auto& s : report->skip_reasons) std::cout << "  skipped " << s << "\n";
  for (const auto& f : report->failures) ADD_FAILURE() << f;
  EXPECT_EQ(report->failed, 0u);
  EXPECT_GE(report->passed, min_passed) << "fewer cases passed than the file holds";
}

}  // namespace ztm_test
