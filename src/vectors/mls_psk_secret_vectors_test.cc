// psk_secret.json: 77 PSK chains over the 7 suites.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, PskSecret) {
  ztm_test::expect_vector_file("mls/psk_secret.json", 77);
}

}  // namespace
