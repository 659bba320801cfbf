#include "ztm/sframe/context.h"

#include <gtest/gtest.h>

#include <limits>

#include "internal/send_context_test_access.h"

namespace ztm::sframe {
namespace {

SecretBytes key_of(std::uint8_t fill, std::size_t size = 16) {
  return SecretBytes(Bytes(size, fill));
}

const Bytes kPlaintext = to_bytes("a media frame, encoded by some codec");
const Bytes kMetadata = to_bytes("rtp header extension");

class ContextTest : public ::testing::TestWithParam<CipherSuite> {
 protected:
  void SetUp() override {
    auto s = SendContext::create(GetParam(), kKid, key_of(1));
    auto r = ReceiveContext::create(GetParam(), ReceiveOptions{.replay_window_frames = 16});
    ASSERT_TRUE(s && r);
    send_.emplace(std::move(*s));
    recv_.emplace(std::move(*r));
    ASSERT_TRUE(recv_->add_key(kKid, key_of(1)));
  }
  Bytes protect() {
    auto f = send_->protect(kPlaintext, kMetadata);
    EXPECT_TRUE(f) << f.error().what();
    return f ? *f : Bytes{};
  }
  Result<Bytes> unprotect(const Bytes& frame, ByteView metadata = kMetadata) {
    return recv_->unprotect(frame, metadata);
  }
  std::size_t tag_size() const { return suite_info(GetParam())->nt; }

  static constexpr KeyId kKid = 0x4242;
  std::optional<SendContext> send_;
  std::optional<ReceiveContext> recv_;
};

TEST_P(ContextTest, RoundTrip) {
  const Bytes frame = protect();
  EXPECT_EQ(frame.size(), send_->protected_size(kPlaintext.size()) - 0);
  auto header = decode_header(frame);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->header, (Header{kKid, 0}));
  EXPECT_EQ(frame.size(), header->size + kPlaintext.size() + tag_size());
  auto opened = unprotect(frame);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(*opened, kPlaintext);
}

TEST_P(ContextTest, CountersAdvanceAndNeverRepeat) {
  for (Counter expected = 0; expected < 20; ++expected) {
    const Bytes frame = protect();
    EXPECT_EQ(decode_header(frame)->header.ctr, expected);
  }
}

TEST_P(ContextTest, EmptyPlaintextAndMetadata) {
  auto frame = send_->protect({}, {});
  ASSERT_TRUE(frame);
  auto opened = recv_->unprotect(*frame, {});
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST_P(ContextTest, ReplayIsRejected) {
  const Bytes frame = protect();
  ASSERT_TRUE(unprotect(frame));
  auto again = unprotect(frame);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::replay);
}

TEST_P(ContextTest, ReorderingWithinTheWindowIsAccepted) {
  std::vector<Bytes> frames;
  for (int i = 0; i < 16; ++i) frames.push_back(protect());
  // Newest first, then the rest backwards: all within 16 of the highest.
  for (int i = 15; i >= 0; --i) {
    auto opened = unprotect(frames[static_cast<std::size_t>(i)]);
    EXPECT_TRUE(opened) << i << ": " << opened.error().what();
  }
  // Each only once.
  EXPECT_EQ(unprotect(frames[3]).error().code, Errc::replay);
}

TEST_P(ContextTest, TooOldIsRejected) {
  std::vector<Bytes> frames;
  for (int i = 0; i < 17; ++i) frames.push_back(protect());
  ASSERT_TRUE(unprotect(frames[16]));
  auto old = unprotect(frames[0]);  // 16 behind the highest, window is 16
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, Errc::replay);
  EXPECT_TRUE(unprotect(frames[1]));  // 15 behind: inside
}

TEST_P(ContextTest, ForgedFramesDoNotMoveTheWindow) {
  std::vector<Bytes> frames;
  for (int i = 0; i < 40; ++i) frames.push_back(protect());
  Bytes forged = frames[39];
  forged.back() ^= 1;
  EXPECT_EQ(unprotect(forged).error().code, Errc::authentication_failed);
  // The genuine frame 0 is still inside the window: the forgery moved nothing.
  EXPECT_TRUE(unprotect(frames[0]));
}

TEST_P(ContextTest, WrongKidIsUnknownKey) {
  auto other = SendContext::create(GetParam(), kKid + 1, key_of(1));
  ASSERT_TRUE(other);
  auto frame = other->protect(kPlaintext, kMetadata);
  ASSERT_TRUE(frame);
  auto opened = unprotect(*frame);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::unknown_key);
}

TEST_P(ContextTest, WrongKeyFailsAuthentication) {
  auto other = SendContext::create(GetParam(), kKid, key_of(2));
  ASSERT_TRUE(other);
  auto frame = other->protect(kPlaintext, kMetadata);
  ASSERT_TRUE(frame);
  EXPECT_EQ(unprotect(*frame).error().code, Errc::authentication_failed);
}

TEST_P(ContextTest, TamperedHeaderIsRejected) {
  // Frame 9 has CTR 9 (extended, one byte). Change it to CTR 10: the header still
  // decodes, names a valid key, but the AAD and nonce differ.
  for (int i = 0; i < 9; ++i) protect();
  Bytes frame = protect();
  const auto header = decode_header(frame);
  ASSERT_TRUE(header);
  ASSERT_EQ(header->header.ctr, 9u);
  frame[header->size - 1] = 10;
  EXPECT_EQ(unprotect(frame).error().code, Errc::authentication_failed);
}

TEST_P(ContextTest, EveryFlippedBitIsRejected) {
  const Bytes frame = protect();
  const std::size_t header_size = decode_header(frame)->size;
  for (std::size_t i = header_size; i < frame.size(); ++i) {
    Bytes tampered = frame;
    tampered[i] ^= 0x80;
    auto opened = unprotect(tampered);
    ASSERT_FALSE(opened) << "byte " << i;
    EXPECT_EQ(opened.error().code, Errc::authentication_failed) << "byte " << i;
  }
  EXPECT_TRUE(unprotect(frame));  // the original still decrypts
}

TEST_P(ContextTest, TamperedTagIsRejected) {
  Bytes frame = protect();
  frame[frame.size() - tag_size()] ^= 1;
  EXPECT_EQ(unprotect(frame).error().code, Errc::authentication_failed);
}

TEST_P(ContextTest, TamperedMetadataIsRejected) {
  const Bytes frame = protect();
  Bytes metadata = kMetadata;
  metadata[0] ^= 1;
  EXPECT_EQ(unprotect(frame, metadata).error().code, Errc::authentication_failed);
  EXPECT_EQ(unprotect(frame, {}).error().code, Errc::authentication_failed);
  EXPECT_TRUE(unprotect(frame));
}

TEST_P(ContextTest, TruncatedFramesAreRejected) {
  const Bytes frame = protect();
  for (std::size_t n = 0; n < frame.size(); ++n) {
    auto opened = unprotect(Bytes(frame.begin(), frame.begin() + static_cast<long>(n)));
    ASSERT_FALSE(opened) << n;
    EXPECT_TRUE(opened.error().code == Errc::truncated ||
                opened.error().code == Errc::authentication_failed)
        << n << ": " << opened.error().what();
  }
}

TEST_P(ContextTest, CounterExhaustion) {
  SendContextTestAccess::set_next_counter(*send_, std::numeric_limits<Counter>::max() - 1);
  const Bytes second_last = protect();
  const Bytes last = protect();
  EXPECT_EQ(decode_header(last)->header.ctr, std::numeric_limits<Counter>::max());
  EXPECT_EQ(last.size(), (Header{kKid, std::numeric_limits<Counter>::max()}.encoded_size()) +
                             kPlaintext.size() + tag_size());
  auto after = send_->protect(kPlaintext, kMetadata);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::counter_exhausted);
  // It stays exhausted.
  EXPECT_EQ(send_->protect(kPlaintext, kMetadata).error().code, Errc::counter_exhausted);
  // And the last frames are genuine.
  EXPECT_TRUE(unprotect(second_last));
  EXPECT_TRUE(unprotect(last));
}

TEST_P(ContextTest, FailuresBeforeEncryptionSpendNoCounter) {
  Bytes small(4);
  EXPECT_EQ(send_->protect(kPlaintext, kMetadata, small).error().code, Errc::buffer_too_small);
  const Bytes too_long(max_metadata_size + 1, 0);
  EXPECT_EQ(send_->protect(kPlaintext, too_long).error().code, Errc::limit_exceeded);
  EXPECT_EQ(decode_header(protect())->header.ctr, 0u);
}

TEST_P(ContextTest, ReaddingADifferentKeyReplacesIt) {
  const Bytes old_frame = protect();
  ASSERT_TRUE(recv_->add_key(kKid, key_of(9)));
  EXPECT_EQ(recv_->key_count(), 1u);
  // The old key is gone: its frames no longer decrypt.
  EXPECT_EQ(unprotect(old_frame).error().code, Errc::authentication_failed);
  auto fresh = SendContext::create(GetParam(), kKid, key_of(9));
  ASSERT_TRUE(fresh);
  auto frame = fresh->protect(kPlaintext, kMetadata);
  ASSERT_TRUE(frame);
  EXPECT_TRUE(unprotect(*frame));
}

TEST_P(ContextTest, ReaddingTheSameKeyKeepsTheReplayWindow) {
  const Bytes frame = protect();
  ASSERT_TRUE(unprotect(frame));
  ASSERT_TRUE(recv_->add_key(kKid, key_of(1)));
  EXPECT_EQ(unprotect(frame).error().code, Errc::replay);
}

TEST_P(ContextTest, RemovedKeyIsUnknown) {
  const Bytes frame = protect();
  EXPECT_TRUE(recv_->remove_key(kKid));
  EXPECT_FALSE(recv_->remove_key(kKid));
  EXPECT_EQ(recv_->key_count(), 0u);
  EXPECT_EQ(unprotect(frame).error().code, Errc::unknown_key);
}

TEST_P(ContextTest, InPlaceProtectWithPlaintextAfterTheHeader) {
  Bytes buffer(kPlaintext.size() + max_overhead);
  const std::size_t header = send_->next_header_size();
  std::copy(kPlaintext.begin(), kPlaintext.end(), buffer.begin() + static_cast<long>(header));
  auto frame =
      send_->protect(ByteView(buffer.data() + header, kPlaintext.size()), kMetadata, buffer);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->data(), buffer.data());
  auto opened = unprotect(Bytes(frame->begin(), frame->end()));
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, kPlaintext);
}

TEST_P(ContextTest, InPlaceProtectWithPlaintextAtTheStart) {
  for (int i = 0; i < 10; ++i) protect();  // CTR 10: a two-byte header
  Bytes buffer(kPlaintext.size() + max_overhead);
  std::copy(kPlaintext.begin(), kPlaintext.end(), buffer.begin());
  auto frame = send_->protect(ByteView(buffer.data(), kPlaintext.size()), kMetadata, buffer);
  ASSERT_TRUE(frame);
  auto opened = unprotect(Bytes(frame->begin(), frame->end()));
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(*opened, kPlaintext);
}

TEST_P(ContextTest, InPlaceUnprotect) {
  Bytes frame = protect();
  const std::size_t header = decode_header(frame)->size;
  auto opened = recv_->unprotect(frame, kMetadata, frame);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(opened->data(), frame.data() + header);
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), kPlaintext);
}

TEST_P(ContextTest, OutputThatCutsIntoTheCiphertextIsRefused) {
  Bytes frame = protect();
  // out starts inside the body: neither disjoint nor containing it.
  const std::size_t header = decode_header(frame)->size;
  auto opened = recv_->unprotect(frame, kMetadata, MutableByteView(frame).subspan(header + 2));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::invalid_argument);
}

TEST_P(ContextTest, OverlongMetadataIsRefusedOnReceive) {
  const Bytes frame = protect();
  const Bytes too_long(max_metadata_size + 1, 0);
  EXPECT_EQ(unprotect(frame, too_long).error().code, Errc::limit_exceeded);
  const Bytes longest(max_metadata_size, 0);
  EXPECT_EQ(unprotect(frame, longest).error().code, Errc::authentication_failed);
  EXPECT_TRUE(unprotect(frame));
}

TEST_P(ContextTest, LongestMetadataRoundTrips) {
  const Bytes metadata(max_metadata_size, 0x6d);
  auto frame = send_->protect(kPlaintext, metadata);
  ASSERT_TRUE(frame);
  auto opened = recv_->unprotect(*frame, metadata);
  ASSERT_TRUE(opened) << opened.error().what();
  EXPECT_EQ(*opened, kPlaintext);
}

TEST_P(ContextTest, OutputTooSmall) {
  const Bytes frame = protect();
  Bytes out(kPlaintext.size() - 1);
  EXPECT_EQ(recv_->unprotect(frame, kMetadata, out).error().code, Errc::buffer_too_small);
  // A failed call spends nothing: the frame still decrypts once.
  EXPECT_TRUE(unprotect(frame));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ContextTest, ::testing::ValuesIn(all_cipher_suites),
                         [](const auto& info) {
                           return std::string(suite_info(info.param)->name);
                         });

TEST(SFrameContext, UnknownSuiteIsUnsupported) {
  EXPECT_EQ(ReceiveContext::create(static_cast<CipherSuite>(0)).error().code, Errc::unsupported);
  EXPECT_EQ(SendContext::create(static_cast<CipherSuite>(0xF000), 1, key_of(1)).error().code,
            Errc::unsupported);
}

TEST(SFrameContext, ReplayWindowBounds) {
  const auto suite = CipherSuite::aes_128_gcm_sha256_128;
  EXPECT_FALSE(ReceiveContext::create(suite, ReceiveOptions{.replay_window_frames = 0}));
  EXPECT_FALSE(ReceiveContext::create(
      suite, ReceiveOptions{.replay_window_frames = max_replay_window_frames + 1}));
  EXPECT_TRUE(ReceiveContext::create(
      suite, ReceiveOptions{.replay_window_frames = max_replay_window_frames}));
}

TEST(SFrameContext, DefaultWindowAcceptsAtLeast128Reordered) {
  const auto suite = CipherSuite::aes_128_gcm_sha256_128;
  auto send = SendContext::create(suite, 3, key_of(5));
  auto recv = ReceiveContext::create(suite);
  ASSERT_TRUE(send && recv && recv->add_key(3, key_of(5)));
  std::vector<Bytes> frames;
  for (int i = 0; i < 128; ++i) frames.push_back(*send->protect(kPlaintext, {}));
  ASSERT_TRUE(recv->unprotect(frames.back(), {}));
  for (int i = 0; i < 127; ++i)
    EXPECT_TRUE(recv->unprotect(frames[static_cast<std::size_t>(i)], {}));
}

}  // namespace
}  // namespace ztm::sframe
