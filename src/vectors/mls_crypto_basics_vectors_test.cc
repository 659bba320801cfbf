// crypto-basics.json: 7 cipher suites, six labeled operations each.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, CryptoBasics) {
  ztm_test::expect_vector_file("mls/crypto-basics.json", 7);
}

}  // namespace
