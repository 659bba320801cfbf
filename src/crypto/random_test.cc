#include "ztm/crypto/random.h"

#include <gtest/gtest.h>

namespace ztm::crypto {
namespace {

TEST(Random, SizesAndDistinctOutputs) {
  const Bytes a = random_bytes(32);
  const Bytes b = random_bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);  // a collision has probability 2^-256
  const SecretBytes s = random_secret(48);
  EXPECT_EQ(s.size(), 48u);
  EXPECT_NE(to_bytes(s.expose()), Bytes(48, 0));
  EXPECT_TRUE(random_bytes(0).empty());
}

}  // namespace
}  // namespace ztm::crypto
