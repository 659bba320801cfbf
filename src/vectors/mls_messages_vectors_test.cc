// messages.json through the shared loader.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, Messages) {
  ztm_test::expect_vector_file("mls/messages.json", 300);
}

}  // namespace
