// secret-tree.json: 21 trees (7 suites x 1, 8, 32 leaves).
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, SecretTree) {
  ztm_test::expect_vector_file("mls/secret-tree.json", 21);
}

}  // namespace
