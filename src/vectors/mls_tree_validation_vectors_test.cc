// tree-validation.json and tree-operations.json through the shared loader.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, TreeValidation) {
  ztm_test::expect_vector_file("mls/tree-validation.json", 98);
}

}  // namespace
