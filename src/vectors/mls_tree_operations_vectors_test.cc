// tree-operations.json through the shared loader.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, TreeOperations) {
  ztm_test::expect_vector_file("mls/tree-operations.json", 5);
}

}  // namespace
