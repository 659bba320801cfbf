// The vector files that need the whole group state: Welcome processing and the
// passive-client scenarios (join, then follow every epoch's Commit).
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(Vectors, MlsWelcome) {
  ztm_test::expect_vector_file("mls/welcome.json", 7);
}

TEST(Vectors, MlsPassiveClientWelcome) {
  ztm_test::expect_vector_file("mls/passive-client-welcome.json", 56);
}

TEST(Vectors, MlsPassiveClientHandlingCommit) {
  ztm_test::expect_vector_file("mls/passive-client-handling-commit.json", 91);
}

}  // namespace
