// tree-math.json: 10 tree sizes, every node's relations checked.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, TreeMath) {
  ztm_test::expect_vector_file("mls/tree-math.json", 10);
}

}  // namespace
