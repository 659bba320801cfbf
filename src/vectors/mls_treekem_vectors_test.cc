// treekem.json through the shared loader.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, TreeKem) {
  ztm_test::expect_vector_file("mls/treekem.json", 77);
}

}  // namespace
