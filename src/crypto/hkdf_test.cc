#include <gtest/gtest.h>

#include "internal/test_hex.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto {
namespace {

using testing::h;

// RFC 5869 Appendix A.1.
TEST(Hkdf, Rfc5869Case1) {
  const Bytes ikm(22, 0x0b);
  const auto prk = hkdf_extract(HashId::sha256, h("000102030405060708090a0b0c"), ikm);
  EXPECT_EQ(to_bytes(prk.expose()),
            h("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
  auto okm = hkdf_expand(HashId::sha256, prk.expose(), h("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm);
  EXPECT_EQ(to_bytes(okm->expose()),
            h("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b88718"
              "5865"));
}

// RFC 5869 Appendix A.3: empty salt and empty info.
TEST(Hkdf, Rfc5869Case3EmptySaltAndInfo) {
  const Bytes ikm(22, 0x0b);
  const auto prk = hkdf_extract(HashId::sha256, {}, ikm);
  EXPECT_EQ(to_bytes(prk.expose()),
            h("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"));
  auto okm = hkdf_expand(HashId::sha256, prk.expose(), {}, 42);
  ASSERT_TRUE(okm);
  EXPECT_EQ(to_bytes(okm->expose()),
            h("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a"
              "96c8"));
}

TEST(Hkdf, EmptyIkmIsHmacOfEmptyMessage) {
  const auto prk = hkdf_extract(HashId::sha384, as_bytes("salt"), {});
  EXPECT_EQ(to_bytes(prk.expose()), hmac(HashId::sha384, as_bytes("salt"), {}));
}

TEST(Hkdf, ExtractIsHmacWithSaltAsKey) {
  const auto prk = hkdf_extract(HashId::sha512, as_bytes("salt"), as_bytes("ikm"));
  EXPECT_EQ(to_bytes(prk.expose()), hmac(HashId::sha512, as_bytes("salt"), as_bytes("ikm")));
}

TEST(Hkdf, ExpandLengthLimits) {
  const Bytes prk(32, 7);
  auto max = hkdf_expand(HashId::sha256, prk, {}, 255 * 32);
  ASSERT_TRUE(max);
  EXPECT_EQ(max->size(), 255u * 32);
  auto too_long = hkdf_expand(HashId::sha256, prk, {}, 255 * 32 + 1);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Errc::invalid_argument);
  auto zero = hkdf_expand(HashId::sha256, prk, {}, 0);
  ASSERT_TRUE(zero);
  EXPECT_TRUE(zero->empty());
  auto short_prk = hkdf_expand(HashId::sha256, Bytes(31, 7), {}, 16);
  ASSERT_FALSE(short_prk);
  EXPECT_EQ(short_prk.error().code, Errc::invalid_key);
}

}  // namespace
}  // namespace ztm::crypto

namespace ztm::crypto {
namespace {

using testing::h;

// Each thread reuses prepared OpenSSL contexts (hkdf.cc): a call must not see the
// salt or info of the call before it, including when its own are empty.
TEST(Hkdf, ReusedContextsForgetThePreviousCall) {
  const Bytes ikm(22, 0x0b);
  for (int round = 0; round < 3; ++round) {
    (void)hkdf_extract(HashId::sha256, as_bytes("a previous salt"), ikm);
    const auto prk = hkdf_extract(HashId::sha256, {}, ikm);
    EXPECT_EQ(to_bytes(prk.expose()),
              h("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"));
    ASSERT_TRUE(hkdf_expand(HashId::sha256, prk.expose(), as_bytes("previous info"), 42));
    auto okm = hkdf_expand(HashId::sha256, prk.expose(), {}, 42);
    ASSERT_TRUE(okm);
    EXPECT_EQ(to_bytes(okm->expose()),
              h("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a"
                "96c8"));
  }
}

}  // namespace
}  // namespace ztm::crypto
