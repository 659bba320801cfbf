#include <gtest/gtest.h>

#include "internal/test_hex.h"
#include "ztm/crypto/hash.h"

namespace ztm::crypto {
namespace {

using testing::h;

// RFC 4231 §4.2 (test case 1).
TEST(Hmac, Rfc4231Case1) {
  const Bytes key(20, 0x0b);
  const auto data = as_bytes("Hi There");
  EXPECT_EQ(hmac(HashId::sha256, key, data),
            h("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
  EXPECT_EQ(hmac(HashId::sha384, key, data),
            h("afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f"
              "4af152e8b2fa9cb6"));
  EXPECT_EQ(hmac(HashId::sha512, key, data),
            h("87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702"
              "038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"));
}

// RFC 4231 §4.3 (test case 2: a key shorter than the block).
TEST(Hmac, Rfc4231Case2) {
  EXPECT_EQ(hmac(HashId::sha256, as_bytes("Jefe"), as_bytes("what do ya want for nothing?")),
            h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
}

// RFC 4231 §4.7 (test case 6: a key longer than the block is hashed first).
TEST(Hmac, Rfc4231Case6LongKey) {
  const Bytes key(131, 0xaa);
  EXPECT_EQ(
      hmac(HashId::sha256, key, as_bytes("Test Using Larger Than Block-Size Key - Hash Key First")),
      h("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
}

TEST(HmacKey, ReusedKeyGivesSameMacsAndPartsConcatenate) {
  const Bytes key(20, 0x0b);
  auto k = HmacKey::create(HashId::sha256, key);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->size(), 32u);
  Bytes out(40, 0);
  for (int i = 0; i < 3; ++i) {
    auto m = k->mac({as_bytes("Hi "), as_bytes(""), as_bytes("There")}, out);
    ASSERT_TRUE(m);
    EXPECT_EQ(to_bytes(*m), h("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
    EXPECT_EQ(m->data(), out.data());
  }
  // A different message with the same key object.
  auto m = k->mac({as_bytes("other")}, out);
  ASSERT_TRUE(m);
  EXPECT_EQ(to_bytes(*m), hmac(HashId::sha256, key, as_bytes("other")));
}

TEST(HmacKey, EmptyKeyIsValid) {
  auto k = HmacKey::create(HashId::sha256, {});
  ASSERT_TRUE(k);
  Bytes out(32);
  ASSERT_TRUE(k->mac({as_bytes("x")}, out));
  // HMAC pads the key with zeros, so an empty key equals a one-byte zero key.
  EXPECT_EQ(out, hmac(HashId::sha256, Bytes(1, 0), as_bytes("x")));
}

TEST(HmacKey, OutputTooSmall) {
  auto k = HmacKey::create(HashId::sha512, as_bytes("k"));
  ASSERT_TRUE(k);
  Bytes out(63);
  auto m = k->mac({as_bytes("x")}, out);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::buffer_too_small);
}

}  // namespace
}  // namespace ztm::crypto
