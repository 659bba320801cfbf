// MlsContext's prepare / switch split: receive keys of a new epoch first, the
// sending epoch only on switch_epoch (the meeting engine's prepare/ready/execute).
#include <gtest/gtest.h>

#include "ztm/sframe/mls_context.h"

namespace ztm::sframe {
namespace {

using namespace std::chrono_literals;
using TimePoint = MlsContext::TimePoint;

const TimePoint t0{};
constexpr auto kSuite = CipherSuite::aes_128_gcm_sha256_128;

SecretBytes secret(std::uint8_t fill) {
  return SecretBytes(Bytes(suite_info(kSuite)->nk, fill));
}

TEST(SFrameMlsSwitch, PreparedEpochDecryptsButDoesNotSend) {
  auto alice = MlsContext::create(kSuite).value();
  auto bob = MlsContext::create(kSuite).value();
  ASSERT_TRUE(alice.add_epoch(1, secret(1), 2, 0, t0));
  ASSERT_TRUE(bob.add_epoch(1, secret(1), 2, 1, t0));
  ASSERT_TRUE(alice.prepare_epoch(2, secret(2), 2, 0, t0));
  ASSERT_TRUE(bob.prepare_epoch(2, secret(2), 2, 1, t0));
  EXPECT_EQ(alice.sending_epoch(), 1u);
  EXPECT_EQ(alice.newest_epoch(), 2u);
  EXPECT_TRUE(alice.has_epoch(2));
  // Alice still sends under epoch 1; Bob reads it.
  auto f1 = alice.protect(0, to_bytes("a"), {}).value();
  EXPECT_TRUE(bob.unprotect(f1, {}, t0));
  // Bob switched already (switch_epoch reached him first): Alice reads epoch 2.
  ASSERT_TRUE(bob.switch_epoch(2, t0));
  auto f2 = bob.protect(0, to_bytes("b"), {}).value();
  EXPECT_TRUE(alice.unprotect(f2, {}, t0));
  ASSERT_TRUE(alice.switch_epoch(2, t0));
  EXPECT_EQ(alice.sending_epoch(), 2u);
  // The old epoch lives for the grace period (5 s default), then is erased.
  EXPECT_TRUE(bob.unprotect(f1, {}, t0 + 1s).error().code == Errc::replay);
  alice.expire(t0 + 6s);
  EXPECT_FALSE(alice.has_epoch(1));
  EXPECT_TRUE(alice.has_epoch(2));
}

TEST(SFrameMlsSwitch, RejectsUnknownAndOlderEpochs) {
  auto c = MlsContext::create(kSuite).value();
  EXPECT_EQ(c.protect(0, to_bytes("x"), {}).error().code, Errc::invalid_state);
  ASSERT_TRUE(c.prepare_epoch(3, secret(3), 4, 0, t0));
  EXPECT_EQ(c.protect(0, to_bytes("x"), {}).error().code, Errc::invalid_state);
  EXPECT_EQ(c.switch_epoch(4, t0).error().code, Errc::unknown_key);
  ASSERT_TRUE(c.switch_epoch(3, t0));
  ASSERT_TRUE(c.prepare_epoch(5, secret(5), 4, 0, t0));
  ASSERT_TRUE(c.switch_epoch(5, t0));
  EXPECT_EQ(c.switch_epoch(3, t0).error().code, Errc::invalid_argument);
  EXPECT_EQ(c.prepare_epoch(4, secret(4), 4, 0, t0).error().code, Errc::invalid_argument);
}

TEST(SFrameMlsSwitch, SameLowBitsEraseEvenTheSendingEpoch) {
  MlsOptions o;
  o.epoch_bits = 1;  // two live epochs at most
  auto c = MlsContext::create(kSuite, o).value();
  ASSERT_TRUE(c.add_epoch(1, secret(1), 2, 0, t0));
  ASSERT_TRUE(c.prepare_epoch(2, secret(2), 2, 0, t0));
  ASSERT_TRUE(c.prepare_epoch(3, secret(3), 2, 0, t0));  // same low bit as 1
  EXPECT_FALSE(c.has_epoch(1));
  EXPECT_FALSE(c.sending_epoch().has_value());
  EXPECT_EQ(c.protect(0, to_bytes("x"), {}).error().code, Errc::invalid_state);
  c.clear();
  EXPECT_EQ(c.epoch_count(), 0u);
}

}  // namespace
}  // namespace ztm::sframe
