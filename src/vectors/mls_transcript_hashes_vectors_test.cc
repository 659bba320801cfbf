// transcript-hashes.json: one commit per cipher suite.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, TranscriptHashes) {
  ztm_test::expect_vector_file("mls/transcript-hashes.json", 7);
}

}  // namespace
