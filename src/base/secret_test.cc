#include "ztm/base/secret.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace ztm {
namespace {

static_assert(!std::is_convertible_v<SecretBytes, Bytes>, "secrets never convert implicitly");
static_assert(!std::is_convertible_v<SecretBytes, ByteView>, "secrets never convert implicitly");

TEST(SecretBytes, ComparesByValue) {
  const Bytes k{1, 2, 3, 4};
  SecretBytes a{ByteView(k)}, b{ByteView(k)};
  EXPECT_TRUE(a == b);
  SecretBytes c{ByteView(Bytes{1, 2, 3, 5})};
  EXPECT_FALSE(a == c);
  SecretBytes d{ByteView(Bytes{1, 2, 3})};
  EXPECT_FALSE(a == d);
}

TEST(SecretBytes, WipeZeroizesStorage) {
  SecretBytes s(ByteView(Bytes(32, 0xaa)));
  const std::uint8_t* p = s.expose().data();
  s.wipe();
  EXPECT_TRUE(s.empty());
  // The allocation is freed by wipe(); only check the bytes while they are owned.
  SecretBytes t(ByteView(Bytes(32, 0xbb)));
  auto view = t.mutable_data();
  secure_zero(view.data(), view.size());
  for (auto byte : t.expose()) EXPECT_EQ(byte, 0);
  (void)p;
}

TEST(SecretBytes, FromBytesWipesTheSource) {
  Bytes raw(16, 0x5a);
  SecretBytes s = SecretBytes::from_bytes(std::move(raw));
  EXPECT_EQ(s.size(), 16u);
  EXPECT_TRUE(raw.empty());  // NOLINT(bugprone-use-after-move): from_bytes clears it
}

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  SecretBytes a(ByteView(Bytes(8, 1)));
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.size(), 8u);
}

TEST(ConstantTimeEqual, Basic) {
  EXPECT_TRUE(constant_time_equal(Bytes{}, Bytes{}));
  EXPECT_TRUE(constant_time_equal(Bytes{9, 9}, Bytes{9, 9}));
  EXPECT_FALSE(constant_time_equal(Bytes{9, 9}, Bytes{9, 8}));
}

}  // namespace
}  // namespace ztm
