// message-protection.json: one case per cipher suite, each covering public and
// private protection of a proposal, a commit and application data.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, MessageProtection) {
  ztm_test::expect_vector_file("mls/message-protection.json", 7);
}

}  // namespace
