#include <gtest/gtest.h>

#include "internal/test_hex.h"
#include "ztm/crypto/aead.h"

namespace ztm::crypto {
namespace {

using testing::h;

// NIST SP 800-38A §F.5.1 (CTR-AES128.Encrypt), first two blocks.
TEST(AesCtrKey, Sp80038aKnownAnswer) {
  auto key = AesCtrKey::create(h("2b7e151628aed2a6abf7158809cf4f3c"));
  ASSERT_TRUE(key);
  const Bytes iv = h("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const Bytes pt = h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  const Bytes ct = h("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff");
  Bytes out(pt.size());
  ASSERT_TRUE(key->crypt(iv, pt, out));
  EXPECT_EQ(out, ct);
  // Each call restarts at its own counter block: decrypting is the same operation.
  ASSERT_TRUE(key->crypt(iv, out, out));
  EXPECT_EQ(out, pt);
  // A partial block, then a fresh call: no keystream position carries over.
  Bytes part(5);
  ASSERT_TRUE(key->crypt(iv, ByteView(pt).first(5), part));
  EXPECT_EQ(part, Bytes(ct.begin(), ct.begin() + 5));
  ASSERT_TRUE(key->crypt(iv, ByteView(pt).first(5), part));
  EXPECT_EQ(part, Bytes(ct.begin(), ct.begin() + 5));
}

TEST(AesCtrKey, KeySizesAndErrors) {
  EXPECT_TRUE(AesCtrKey::create(Bytes(16, 0)));
  EXPECT_TRUE(AesCtrKey::create(Bytes(24, 0)));
  EXPECT_TRUE(AesCtrKey::create(Bytes(32, 0)));
  EXPECT_EQ(AesCtrKey::create(Bytes(20, 0)).error().code, Errc::invalid_key);
  auto key = AesCtrKey::create(Bytes(32, 0));
  ASSERT_TRUE(key);
  Bytes in(10), out(9);
  EXPECT_EQ(key->crypt(Bytes(16, 0), in, out).error().code, Errc::buffer_too_small);
  EXPECT_EQ(key->crypt(Bytes(12, 0), in, in).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace ztm::crypto
