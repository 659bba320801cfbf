// Proves that protect and unprotect allocate nothing per frame. This binary
// replaces the global operator new to count every heap allocation, so it is built
// on its own (see CMakeLists.txt).
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "ztm/sframe/context.h"
#include "ztm/sframe/mls_context.h"

namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_openssl_allocations{0};

// OpenSSL allocates with its own malloc wrapper, not operator new; count those too.
void* counting_malloc(std::size_t size, const char*, int) {
  g_openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size);
}
void* counting_realloc(void* p, std::size_t size, const char*, int) {
  g_openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, size);
}
void counting_free(void* p, const char*, int) {
  std::free(p);
}
// Installed during static initialization, before OpenSSL allocates anything.
const bool g_openssl_hooked =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;
}  // namespace

// The replacements below pair malloc with free by design; GCC sees an inlined
// `delete` reach free() and cannot tell that `new` is replaced too.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void* operator new(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, ((size + a - 1) / a) * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return ::operator new(size, align);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace ztm::sframe {
namespace {

SecretBytes base_key(std::size_t size, std::uint8_t fill) {
  return SecretBytes(Bytes(size, fill));
}

TEST(SFrameAllocations, OpenSslAllocationsAreCounted) {
  ASSERT_TRUE(g_openssl_hooked);
  const std::size_t before = g_openssl_allocations.load();
  void* p = OPENSSL_malloc(16);
  OPENSSL_free(p);
  EXPECT_GT(g_openssl_allocations.load(), before);
}

TEST(SFrameAllocations, CounterSeesAllocations) {
  // The replacement is in effect: a plain vector is counted.
  const std::size_t before = g_allocations.load();
  std::vector<int> v(10);
  EXPECT_GT(g_allocations.load(), before);
}

class PerSuite : public ::testing::TestWithParam<CipherSuite> {};

TEST_P(PerSuite, ProtectAndUnprotectAllocateNothingPerFrame) {
  const auto key = base_key(16, 0x42);
  auto send = SendContext::create(GetParam(), 0x1234, key);
  auto recv = ReceiveContext::create(GetParam());
  ASSERT_TRUE(send && recv);
  ASSERT_TRUE(recv->add_key(0x1234, key));

  std::vector<std::uint8_t> plaintext(1200, 0x5a);
  const std::vector<std::uint8_t> metadata(40, 0x11);
  std::vector<std::uint8_t> frame(plaintext.size() + max_overhead);
  std::vector<std::uint8_t> decrypted(frame.size());

  const std::size_t before = g_allocations.load();
  const std::size_t openssl_before = g_openssl_allocations.load();
  bool all_ok = true;
  for (int i = 0; i < 1000; ++i) {
    // Out of place.
    auto sealed = send->protect(plaintext, metadata, frame);
    all_ok = all_ok && sealed.has_value();
    if (!sealed) break;
    auto opened = recv->unprotect(*sealed, metadata, decrypted);
    all_ok = all_ok && opened.has_value() && opened->size() == plaintext.size();
    // In place: plaintext placed after the header, frame decrypted where it lies.
    const std::size_t header = send->next_header_size();
    std::copy(plaintext.begin(), plaintext.end(), frame.begin() + static_cast<long>(header));
    auto in_place =
        send->protect(ByteView(frame.data() + header, plaintext.size()), metadata, frame);
    all_ok = all_ok && in_place.has_value();
    if (!in_place) break;
    auto opened_in_place = recv->unprotect(*in_place, metadata, *in_place);
    all_ok = all_ok && opened_in_place.has_value();
  }
  const std::size_t allocations = g_allocations.load() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0u) << "heap allocations in 4000 frame operations";
  const std::size_t openssl_allocations = g_openssl_allocations.load() - openssl_before;
  auto info = suite_info(GetParam());
  ASSERT_TRUE(info);
  if (info->ctr_hmac) {
    // OpenSSL 3.0 mallocs a digest context on every HMAC (re)initialization
    // (EVP_MAC_init -> EVP_MD_CTX_copy_ex -> dupctx), twice per HMAC, inside
    // crypto::HmacKey. This bounds it; docs/sframe.md explains.
    EXPECT_LE(openssl_allocations, 2u * 4000u);
  } else {
    EXPECT_EQ(openssl_allocations, 0u) << "OpenSSL allocations in 4000 frame operations";
  }
}

TEST_P(PerSuite, MlsContextAllocatesOnlyForANewKid) {
  const auto now = MlsContext::TimePoint{};
  auto info = suite_info(GetParam());
  ASSERT_TRUE(info);
  const auto secret = base_key(info->nk, 0x33);
  auto alice = MlsContext::create(GetParam());
  auto bob = MlsContext::create(GetParam());
  ASSERT_TRUE(alice && bob);
  ASSERT_TRUE(alice->add_epoch(1, secret, 2, 0, now));
  ASSERT_TRUE(bob->add_epoch(1, secret, 2, 1, now));

  std::vector<std::uint8_t> plaintext(200, 0x5a);
  std::vector<std::uint8_t> frame(plaintext.size() + max_overhead);
  std::vector<std::uint8_t> decrypted(frame.size());
  // The first frame derives both KID keys.
  auto first = alice->protect(0, plaintext, {}, frame);
  ASSERT_TRUE(first);
  ASSERT_TRUE(bob->unprotect(*first, {}, decrypted, now));

  const std::size_t before = g_allocations.load();
  bool all_ok = true;
  for (int i = 0; i < 1000; ++i) {
    auto sealed = alice->protect(0, plaintext, {}, frame);
    all_ok = all_ok && sealed.has_value();
    if (!sealed) break;
    auto opened = bob->unprotect(*sealed, {}, decrypted, now);
    all_ok = all_ok && opened.has_value();
  }
  const std::size_t allocations = g_allocations.load() - before;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(allocations, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, PerSuite, ::testing::ValuesIn(all_cipher_suites));

}  // namespace
}  // namespace ztm::sframe
