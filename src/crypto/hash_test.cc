#include "ztm/crypto/hash.h"

#include <gtest/gtest.h>

#include "internal/test_hex.h"

namespace ztm::crypto {
namespace {

using testing::h;

TEST(Hash, Sha2KnownAnswersForAbc) {
  EXPECT_EQ(hash(HashId::sha256, as_bytes("abc")),
            h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_EQ(hash(HashId::sha384, as_bytes("abc")),
            h("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc23"
              "58baeca134c825a7"));
  EXPECT_EQ(hash(HashId::sha512, as_bytes("abc")),
            h("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8"
              "36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
}

TEST(Hash, Sizes) {
  EXPECT_EQ(hash_size(HashId::sha256), 32u);
  EXPECT_EQ(hash_size(HashId::sha384), 48u);
  EXPECT_EQ(hash_size(HashId::sha512), 64u);
}

TEST(Hasher, IncrementalEqualsOneShotAndResetsAfterFinish) {
  Hasher hasher(HashId::sha256);
  hasher.update(as_bytes("a"));
  hasher.update({});
  hasher.update(as_bytes("bc"));
  EXPECT_EQ(hasher.finish(), hash(HashId::sha256, as_bytes("abc")));
  // finish() starts a fresh message.
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(hasher.finish(), hash(HashId::sha256, as_bytes("abc")));
  EXPECT_EQ(hasher.finish(), hash(HashId::sha256, {}));
}

}  // namespace
}  // namespace ztm::crypto
