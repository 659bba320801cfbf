#include "ztm/base/bytes.h"

#include <gtest/gtest.h>

namespace ztm {
namespace {

TEST(Hex, RoundTrip) {
  const Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(from_hex("0001ABff").value(), b);
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_EQ(from_hex("abc").error().code, Errc::invalid_encoding);
  EXPECT_EQ(from_hex("zz").error().code, Errc::invalid_encoding);
}

TEST(Bytes, ConcatAndCopyInto) {
  const Bytes a{1, 2}, b{3};
  EXPECT_EQ(concat({a, b}), (Bytes{1, 2, 3}));
  std::uint8_t buf[2];
  EXPECT_EQ(copy_into(concat({a, b}), buf).error().code, Errc::buffer_too_small);
  auto written = copy_into(a, buf);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->size(), 2u);
}

TEST(Error, WhatNamesTheCode) {
  Error e{Errc::truncated, "need 4 bytes"};
  EXPECT_EQ(e.what(), "truncated: need 4 bytes");
}

Result<int> half(int x) {
  if (x % 2) return fail(Errc::invalid_argument, "odd");
  return x / 2;
}

Result<int> quarter(int x) {
  ZTM_TRY_ASSIGN(int h, half(x));
  ZTM_TRY_ASSIGN(int q, half(h));
  return q;
}

TEST(Error, TryPropagates) {
  EXPECT_EQ(quarter(8).value(), 2);
  EXPECT_EQ(quarter(6).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace ztm
