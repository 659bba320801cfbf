// The hot-path keys (AeadKey, AesCtrKey, HmacKey) are keyed once; this checks how
// much each call allocates, counting both OpenSSL's allocator and operator new.
#include <openssl/crypto.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "ztm/crypto/aead.h"
#include "ztm/crypto/hash.h"

namespace {

std::atomic<long> g_allocations{0};

void* counting_malloc(std::size_t n, const char*, int) {
  ++g_allocations;
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  ++g_allocations;
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) {
  std::free(p);
}

// OpenSSL accepts new allocator functions only before its first allocation.
__attribute__((constructor(101))) void install_counting_allocator() {
  CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free);
}

}  // namespace

// The replacement pair below uses malloc/free on purpose; GCC cannot see that the
// two replacements match.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace ztm::crypto {
namespace {

constexpr int kCalls = 100;

template <class F>
long allocations_per_call(F&& f) {
  f();  // warm up: first use may fetch algorithm objects
  const long before = g_allocations.load();
  for (int i = 0; i < kCalls; ++i) f();
  return (g_allocations.load() - before) / kCalls;
}

TEST(HotPathAllocations, AeadSealAndOpenAllocateNothing) {
  for (AeadId id : {AeadId::aes128gcm, AeadId::aes256gcm, AeadId::chacha20poly1305}) {
    auto key = AeadKey::create(id, Bytes(aead_key_size(id), 1));
    ASSERT_TRUE(key);
    Bytes nonce(12, 0), aad(10, 2), frame(64 + 16, 3), sealed(64 + 16);
    bool all_ok = true;
    EXPECT_EQ(allocations_per_call([&] {
                all_ok &= key->seal(nonce, aad, ByteView(frame).first(64), frame).has_value();
              }),
              0);
    ASSERT_TRUE(key->seal(nonce, aad, ByteView(frame).first(64), sealed));
    Bytes plain(64);
    EXPECT_EQ(
        allocations_per_call([&] { all_ok &= key->open(nonce, aad, sealed, plain).has_value(); }),
        0);
    EXPECT_TRUE(all_ok);
  }
}

TEST(HotPathAllocations, AesCtrAllocatesNothing) {
  auto key = AesCtrKey::create(Bytes(16, 1));
  ASSERT_TRUE(key);
  Bytes iv(16, 0), buf(64, 5);
  bool all_ok = true;
  EXPECT_EQ(allocations_per_call([&] { all_ok &= key->crypt(iv, buf, buf).has_value(); }), 0);
  EXPECT_TRUE(all_ok);
}

// OpenSSL 3.0's HMAC re-initialization keeps the key but copies its inner and outer
// digest states (EVP_MD_CTX_copy_ex duplicates the provider context), which costs
// two small allocations inside OpenSSL per message. This bounds that cost so that a
// regression in our own code (or a worse OpenSSL) shows up.
TEST(HotPathAllocations, HmacKeyAllocatesAtMostTwoInsideOpenSsl) {
  auto key = HmacKey::create(HashId::sha256, Bytes(32, 1));
  ASSERT_TRUE(key);
  Bytes data(64, 1), tag(32);
  bool all_ok = true;
  EXPECT_LE(allocations_per_call([&] { all_ok &= key->mac({data}, tag).has_value(); }), 2);
  EXPECT_TRUE(all_ok);
}

}  // namespace
}  // namespace ztm::crypto
