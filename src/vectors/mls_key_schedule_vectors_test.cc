// key-schedule.json: 7 cipher suites x 5 epochs.
#include <gtest/gtest.h>

#include "ztm_test/vector_files.h"

namespace {

TEST(MlsVectors, KeySchedule) {
  ztm_test::expect_vector_file("mls/key-schedule.json", 35);
}

}  // namespace
