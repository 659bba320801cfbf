// The loader itself; each vector file has its test in <name>_vectors_test.cc.
#include "ztm/vectors/vectors.h"

#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace ztm::vectors {
namespace {

TEST(Vectors, MlsDeserialization) {
  ztm_test::expect_vector_file("mls/deserialization.json", 14);
}

TEST(Vectors, UnknownFileIsAnError) {
  auto report = run_file(std::filesystem::path(ZTM_SOURCE_DIR) / "CMakePresets.json");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::unsupported);
}

TEST(Vectors, MissingFileIsAnError) {
  auto report = run_file("/nonexistent/vectors.json");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::io_error);
}

}  // namespace
}  // namespace ztm::vectors
