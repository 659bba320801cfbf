#include "ztm/sframe/mls_context.h"

#include <gtest/gtest.h>

#include "ztm/sframe/context.h"

namespace ztm::sframe {
namespace {

using namespace std::chrono_literals;
using TimePoint = MlsContext::TimePoint;

const TimePoint t0{};
const Bytes kFrame = to_bytes("opus frame");

SecretBytes epoch_secret(CipherSuite suite, std::uint8_t fill) {
  return SecretBytes(Bytes(suite_info(suite)->nk, fill));
}

TEST(SFrameMlsKid, MatchesTheRfcExample) {
  // RFC 9605 §5.2, Figure "An Example Sequence of KIDs" (E = 4, S = 6).
  EXPECT_EQ(*mls_kid(4, 6, 14, 3, 0), 0x3eu);
  EXPECT_EQ(*mls_kid(4, 6, 14, 7, 0), 0x7eu);
  EXPECT_EQ(*mls_kid(4, 6, 14, 20, 0), 0x14eu);
  EXPECT_EQ(*mls_kid(4, 6, 15, 3, 0), 0x3fu);
  EXPECT_EQ(*mls_kid(4, 6, 15, 5, 0), 0x5fu);
  EXPECT_EQ(*mls_kid(4, 6, 16, 2, 2), 0x820u);
  EXPECT_EQ(*mls_kid(4, 6, 16, 2, 3), 0xc20u);
  EXPECT_EQ(*mls_kid(4, 6, 17, 33, 0), 0x211u);
  EXPECT_EQ(*mls_kid(4, 6, 17, 51, 0), 0x331u);
}

TEST(SFrameMlsKid, RejectsFieldsThatDoNotFit) {
  EXPECT_FALSE(mls_kid(4, 6, 1, 64, 0));               // index needs 7 bits
  EXPECT_FALSE(mls_kid(4, 4, 1, 0, 1ull << 56));       // context needs 57 bits
  EXPECT_TRUE(mls_kid(4, 4, 1, 0, (1ull << 56) - 1));  // 56 bits fit
  EXPECT_FALSE(mls_kid(0, 4, 1, 0, 0));
  EXPECT_FALSE(mls_kid(33, 4, 1, 0, 0));
  EXPECT_FALSE(mls_kid(32, 32, 1, 0, 1));  // no bits left for a context
  EXPECT_EQ(*mls_kid(32, 32, 5, 0xffffffffu, 0), 0xffffffff00000005u);
}

TEST(SFrameMlsKid, SenderBits) {
  EXPECT_EQ(mls_sender_bits(1), 0u);
  EXPECT_EQ(mls_sender_bits(2), 1u);
  EXPECT_EQ(mls_sender_bits(3), 2u);
  EXPECT_EQ(mls_sender_bits(64), 6u);
  EXPECT_EQ(mls_sender_bits(65), 7u);
  EXPECT_EQ(mls_sender_bits(0xffffffffu), 32u);
}

class MlsTest : public ::testing::TestWithParam<CipherSuite> {
 protected:
  void SetUp() override {
    for (auto* m : {&alice_, &bob_, &carol_}) {
      auto c = MlsContext::create(GetParam(), options_);
      ASSERT_TRUE(c);
      m->emplace(std::move(*c));
    }
    add_epoch(7, t0);
  }
  // Every member moves to epoch at time now; leaves 0 (alice), 1 (bob), 2 (carol).
  void add_epoch(std::uint64_t epoch, TimePoint now, std::uint32_t leaf_count = 3) {
    const auto secret = epoch_secret(GetParam(), static_cast<std::uint8_t>(epoch));
    ASSERT_TRUE(alice_->add_epoch(epoch, secret, leaf_count, 0, now));
    ASSERT_TRUE(bob_->add_epoch(epoch, secret, leaf_count, 1, now));
    ASSERT_TRUE(carol_->add_epoch(epoch, secret, leaf_count, 2, now));
  }
  Bytes protect(std::optional<MlsContext>& m, std::uint64_t context_id = 0) {
    auto f = m->protect(context_id, kFrame, {});
    EXPECT_TRUE(f) << f.error().what();
    return f ? *f : Bytes{};
  }

  MlsOptions options_{.epoch_bits = 4, .grace_period = 3s};
  std::optional<MlsContext> alice_, bob_, carol_;
};

TEST_P(MlsTest, MembersExchangeFrames) {
  const Bytes frame = protect(alice_);
  Bytes out(frame.size());
  auto opened = bob_->unprotect(frame, {}, out, t0);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(Bytes(opened->plaintext.begin(), opened->plaintext.end()), kFrame);
  EXPECT_EQ(opened->info.epoch, 7u);
  EXPECT_EQ(opened->info.sender_index, 0u);
  EXPECT_EQ(opened->info.context_id, 0u);
  EXPECT_EQ(decode_header(frame)->header.kid, *mls_kid(4, 2, 7, 0, 0));
  EXPECT_TRUE(carol_->unprotect(frame, {}, t0));
  const Bytes reply = protect(carol_, 5);
  Bytes out2(reply.size());
  auto from_carol = alice_->unprotect(reply, {}, out2, t0);
  ASSERT_TRUE(from_carol);
  EXPECT_EQ(from_carol->info.sender_index, 2u);
  EXPECT_EQ(from_carol->info.context_id, 5u);
}

TEST_P(MlsTest, EachContextIdHasItsOwnKidAndCounter) {
  const Bytes audio0 = protect(alice_, 0);
  const Bytes video0 = protect(alice_, 1);
  const Bytes audio1 = protect(alice_, 0);
  EXPECT_NE(decode_header(audio0)->header.kid, decode_header(video0)->header.kid);
  EXPECT_EQ(decode_header(video0)->header.ctr, 0u);
  EXPECT_EQ(decode_header(audio1)->header.ctr, 1u);
  EXPECT_TRUE(bob_->unprotect(audio0, {}, t0));
  EXPECT_TRUE(bob_->unprotect(video0, {}, t0));
  EXPECT_TRUE(bob_->unprotect(audio1, {}, t0));
}

TEST_P(MlsTest, ReplayIsRejected) {
  const Bytes frame = protect(alice_);
  ASSERT_TRUE(bob_->unprotect(frame, {}, t0));
  EXPECT_EQ(bob_->unprotect(frame, {}, t0).error().code, Errc::replay);
}

TEST_P(MlsTest, SendersKeysDiffer) {
  // Re-label alice's frame as bob's (sender bits 1): a valid KID, the wrong key.
  Bytes frame = protect(alice_);
  const auto header = decode_header(frame);
  const KeyId bob_kid = *mls_kid(4, 2, 7, 1, 0);
  Bytes relabeled(max_header_size);
  auto h = Header{bob_kid, header->header.ctr}.encode(relabeled);
  ASSERT_TRUE(h);
  relabeled.resize(h->size());
  append(relabeled, ByteView(frame).subspan(header->size));
  EXPECT_EQ(carol_->unprotect(relabeled, {}, t0).error().code, Errc::authentication_failed);
  EXPECT_EQ(carol_->key_count(), 0u) << "a forged KID must leave no key behind";
}

TEST_P(MlsTest, ReflectedOwnFrameIsRefused) {
  const Bytes frame = protect(alice_);
  EXPECT_EQ(alice_->unprotect(frame, {}, t0).error().code, Errc::protocol_violation);
}

TEST_P(MlsTest, SenderOutsideTheTreeIsUnknown) {
  auto dave = MlsContext::create(GetParam(), options_);
  ASSERT_TRUE(dave);
  // In dave's view the tree has 4 leaves and he is leaf 3; alice's view has 3.
  ASSERT_TRUE(dave->add_epoch(7, epoch_secret(GetParam(), 7), 4, 3, t0));
  const Bytes frame = *dave->protect(0, kFrame, {});
  EXPECT_EQ(alice_->unprotect(frame, {}, t0).error().code, Errc::unknown_key);
}

TEST_P(MlsTest, UnknownEpochIsATypedError) {
  auto other = MlsContext::create(GetParam(), options_);
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->add_epoch(9, epoch_secret(GetParam(), 9), 3, 0, t0));
  const Bytes frame = *other->protect(0, kFrame, {});
  EXPECT_EQ(bob_->unprotect(frame, {}, t0).error().code, Errc::unknown_key);
}

TEST_P(MlsTest, OldEpochDecryptsDuringTheGracePeriodThenIsErased) {
  const Bytes old_frame = protect(alice_);
  const Bytes old_frame2 = protect(alice_);
  add_epoch(8, t0 + 1s);
  // Sending moved to epoch 8 at once.
  const Bytes new_frame = protect(alice_);
  EXPECT_EQ(decode_header(new_frame)->header.kid & 0xf, 8u);
  EXPECT_EQ(bob_->epoch_count(), 2u);
  // Within the grace period (3 s from t0 + 1 s) the old epoch still works.
  auto late = bob_->unprotect(old_frame, {}, t0 + 3s);
  ASSERT_TRUE(late) << late.error().what();
  EXPECT_TRUE(bob_->unprotect(new_frame, {}, t0 + 3s));
  EXPECT_EQ(bob_->key_count(), 2u);
  // At t0 + 4 s it is erased: its keys are gone, its frames fail with a typed error.
  auto too_late = bob_->unprotect(old_frame2, {}, t0 + 4s);
  ASSERT_FALSE(too_late);
  EXPECT_EQ(too_late.error().code, Errc::unknown_key);
  EXPECT_EQ(bob_->epoch_count(), 1u);
  EXPECT_EQ(bob_->key_count(), 1u);  // only epoch 8's key for alice remains
}

TEST_P(MlsTest, ExpireErasesWithoutTraffic) {
  ASSERT_TRUE(bob_->unprotect(protect(alice_), {}, t0));
  add_epoch(8, t0);
  EXPECT_EQ(bob_->epoch_count(), 2u);
  EXPECT_EQ(bob_->key_count(), 1u);
  bob_->expire(t0 + 2s);
  EXPECT_EQ(bob_->epoch_count(), 2u);
  bob_->expire(t0 + 3s);
  EXPECT_EQ(bob_->epoch_count(), 1u);
  EXPECT_EQ(bob_->key_count(), 0u);
}

TEST_P(MlsTest, SameLowEpochBitsEraseTheOldEpochAtOnce) {
  const Bytes old_frame = protect(alice_);  // epoch 7
  add_epoch(7 + 16, t0);                    // same low 4 bits
  EXPECT_EQ(bob_->epoch_count(), 1u);
  EXPECT_EQ(bob_->unprotect(old_frame, {}, t0).error().code, Errc::authentication_failed);
  const Bytes new_frame = protect(alice_);
  Bytes out(new_frame.size());
  auto opened = bob_->unprotect(new_frame, {}, out, t0);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->info.epoch, 23u);
}

TEST_P(MlsTest, EpochsMustIncrease) {
  const auto secret = epoch_secret(GetParam(), 1);
  EXPECT_EQ(alice_->add_epoch(7, secret, 3, 0, t0).error().code, Errc::invalid_argument);
  EXPECT_EQ(alice_->add_epoch(6, secret, 3, 0, t0).error().code, Errc::invalid_argument);
  EXPECT_EQ(alice_->newest_epoch(), 7u);
}

TEST_P(MlsTest, BadEpochInputs) {
  auto m = MlsContext::create(GetParam());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->protect(0, kFrame, {}).error().code, Errc::invalid_state);
  const auto nk = suite_info(GetParam())->nk;
  EXPECT_EQ(m->add_epoch(1, SecretBytes(Bytes(nk + 1, 1)), 3, 0, t0).error().code,
            Errc::invalid_key);
  EXPECT_EQ(m->add_epoch(1, epoch_secret(GetParam(), 1), 3, 3, t0).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(m->add_epoch(1, epoch_secret(GetParam(), 1), 0, 0, t0).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(m->epoch_count(), 0u);
}

TEST_P(MlsTest, ClearErasesEverything) {
  ASSERT_TRUE(bob_->unprotect(protect(alice_), {}, t0));
  protect(bob_);
  EXPECT_EQ(bob_->key_count(), 2u);
  bob_->clear();
  EXPECT_EQ(bob_->epoch_count(), 0u);
  EXPECT_EQ(bob_->key_count(), 0u);
  EXPECT_EQ(bob_->protect(0, kFrame, {}).error().code, Errc::invalid_state);
}

TEST_P(MlsTest, ReceiveKeyLimit) {
  options_.max_receive_keys_per_epoch = 1;
  auto limited = MlsContext::create(GetParam(), options_);
  ASSERT_TRUE(limited);
  ASSERT_TRUE(limited->add_epoch(7, epoch_secret(GetParam(), 7), 3, 1, t0));
  ASSERT_TRUE(limited->unprotect(protect(alice_, 0), {}, t0));
  EXPECT_EQ(limited->unprotect(protect(alice_, 1), {}, t0).error().code, Errc::limit_exceeded);
  EXPECT_TRUE(limited->unprotect(protect(alice_, 0), {}, t0));  // known KIDs still work
}

TEST_P(MlsTest, ZeroGraceErasesOnTheNextEpoch) {
  options_.grace_period = 0s;
  auto m = MlsContext::create(GetParam(), options_);
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->add_epoch(7, epoch_secret(GetParam(), 7), 3, 1, t0));
  const Bytes frame = protect(alice_);
  ASSERT_TRUE(m->add_epoch(8, epoch_secret(GetParam(), 8), 3, 1, t0));
  EXPECT_EQ(m->epoch_count(), 1u);
  EXPECT_EQ(m->unprotect(frame, {}, t0).error().code, Errc::unknown_key);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, MlsTest, ::testing::ValuesIn(all_cipher_suites),
                         [](const auto& info) {
                           return std::string(suite_info(info.param)->name);
                         });

TEST(SFrameMls, OptionBounds) {
  const auto suite = CipherSuite::aes_128_gcm_sha256_128;
  EXPECT_FALSE(MlsContext::create(suite, MlsOptions{.epoch_bits = 0}));
  EXPECT_FALSE(MlsContext::create(suite, MlsOptions{.epoch_bits = 33}));
  EXPECT_FALSE(MlsContext::create(suite, MlsOptions{.replay_window_frames = 0}));
  EXPECT_FALSE(MlsContext::create(suite, MlsOptions{.grace_period = -1s}));
  EXPECT_EQ(MlsContext::create(suite)->options().epoch_bits, 4u);
}

TEST(SFrameMls, LargeTreeKidsRoundTrip) {
  // 1000 leaves: S = 10; sender 999 with E = 4 makes a two-byte KID.
  const auto suite = CipherSuite::aes_128_gcm_sha256_128;
  auto sender = MlsContext::create(suite);
  auto receiver = MlsContext::create(suite);
  ASSERT_TRUE(sender && receiver);
  const auto secret = epoch_secret(suite, 3);
  ASSERT_TRUE(sender->add_epoch(42, secret, 1000, 999, t0));
  ASSERT_TRUE(receiver->add_epoch(42, secret, 1000, 0, t0));
  const Bytes frame = *sender->protect(77, kFrame, {});
  Bytes out(frame.size());
  auto opened = receiver->unprotect(frame, {}, out, t0);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(opened->info.sender_index, 999u);
  EXPECT_EQ(opened->info.context_id, 77u);
  EXPECT_EQ(opened->info.epoch, 42u);
}

}  // namespace
}  // namespace ztm::sframe
