// Test-only helper: hex literals as Bytes (aborts the test on a typo).
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "ztm/base/bytes.h"

namespace ztm::crypto::testing {

inline Bytes h(std::string_view hex) {
  auto b = from_hex(hex);
  EXPECT_TRUE(b) << "bad hex literal: " << hex;
  return b ? *b : Bytes{};
}

}  // namespace ztm::crypto::testing
