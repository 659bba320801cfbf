// MLS-Exporter: every input matters and the length is bounded. Known answers are
// the exporter entries of key-schedule.json (src/vectors).
#include "ztm/mls/exporter.h"

#include <gtest/gtest.h>

namespace ztm::mls {
namespace {

CipherSuite suite(std::uint16_t id) {
  return CipherSuite::create(id).value();
}

TEST(Exporter, DependsOnLabelContextAndLength) {
  const auto cs = suite(1);
  const SecretBytes exporter(Bytes(32, 5));
  auto a = mls_exporter(cs, exporter, "SFrame 1.0 Base Key", Bytes{1}, 32);
  auto b = mls_exporter(cs, exporter, "SFrame 1.0 Base Key", Bytes{2}, 32);
  auto c = mls_exporter(cs, exporter, "security code", Bytes{1}, 32);
  auto d = mls_exporter(cs, exporter, "SFrame 1.0 Base Key", Bytes{1}, 16);
  ASSERT_TRUE(a && b && c && d);
  EXPECT_FALSE(*a == *b);
  EXPECT_FALSE(*a == *c);
  EXPECT_EQ(d->size(), 16u);
  // ExpandWithLabel binds the length, so a shorter export is not a prefix.
  EXPECT_FALSE(equal(d->expose(), a->expose().first(16)));
  auto too_long = mls_exporter(cs, exporter, "x", {}, kMaxExportLength + 1);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Errc::invalid_argument);
}

TEST(Exporter, DependsOnTheExporterSecret) {
  const auto cs = suite(1);
  auto a = mls_exporter(cs, SecretBytes(Bytes(32, 5)), "x", {}, 32);
  auto b = mls_exporter(cs, SecretBytes(Bytes(32, 6)), "x", {}, 32);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(*a == *b);
}

}  // namespace
}  // namespace ztm::mls
