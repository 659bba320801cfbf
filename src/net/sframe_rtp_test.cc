#include "ztm/net/sframe_rtp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace ztm::net::sframe_rtp {
namespace {

struct Fragment {
  std::uint16_t seq;
  std::uint32_t ts;
  Bytes payload;
};

Bytes make_frame(std::size_t size, std::uint8_t seed) {
  Bytes f(size);
  for (std::size_t i = 0; i < size; ++i) f[i] = static_cast<std::uint8_t>(seed + i * 7);
  return f;
}

std::vector<Fragment> packetize(const Bytes& frame, std::size_t mtu, std::uint16_t& seq,
                                std::uint32_t ts) {
  auto p = Packetizer::create(frame, mtu).value();
  std::vector<Fragment> out;
  std::uint8_t buf[2048];
  while (!p.done()) {
    auto w = p.next(buf).value();
    out.push_back({seq++, ts, Bytes(w.begin(), w.end())});
  }
  return out;
}

TEST(SframePacketizer, SplitsBalancedWithStartAndEndBits) {
  const Bytes frame = make_frame(10'000, 1);
  auto p = Packetizer::create(frame, 1200).value();
  EXPECT_EQ(p.packet_count(), 9u);  // ceil(10000 / 1199)
  std::uint8_t buf[1200];
  Bytes joined;
  std::size_t index = 0;
  while (!p.done()) {
    auto w = p.next(buf).value();
    ASSERT_LE(w.size(), 1200u);
    // 10000 / 9 = 1111 rem 1: sizes 1112, then 1111.
    EXPECT_EQ(w.size() - 1, index == 0 ? 1112u : 1111u);
    EXPECT_EQ((w[0] & kStartOfFrame) != 0, index == 0);
    EXPECT_EQ((w[0] & kEndOfFrame) != 0, index == 8);
    EXPECT_EQ(w[0] & 0x3F, 0);
    append(joined, w.subspan(1));
    ++index;
  }
  EXPECT_EQ(joined, frame);
  EXPECT_EQ(p.next(buf).error().code, Errc::invalid_state);
}

TEST(SframePacketizer, SinglePacketFrameHasBothBits) {
  const Bytes frame = make_frame(100, 2);
  auto p = Packetizer::create(frame, 1200).value();
  ASSERT_EQ(p.packet_count(), 1u);
  std::uint8_t buf[200];
  auto w = p.next(buf).value();
  EXPECT_EQ(w[0], kStartOfFrame | kEndOfFrame);
  EXPECT_EQ(w.size(), 101u);
}

TEST(SframePacketizer, RejectsBadArguments) {
  EXPECT_EQ(Packetizer::create({}, 1200).error().code, Errc::invalid_argument);
  const Bytes frame = make_frame(3, 0);
  EXPECT_EQ(Packetizer::create(frame, 1).error().code, Errc::invalid_argument);
  auto p = Packetizer::create(frame, 2).value();
  EXPECT_EQ(p.packet_count(), 3u);
  std::uint8_t tiny[1];
  EXPECT_EQ(p.next(tiny).error().code, Errc::buffer_too_small);
}

class Assembler : public ::testing::Test {
 protected:
  FrameAssembler a = FrameAssembler::create({}).value();
  Bytes out = Bytes(a.max_frame_size());
  std::uint16_t seq = 65530;  // crosses the 16-bit wrap

  std::vector<Bytes> drain() {
    std::vector<Bytes> frames;
    for (;;) {
      auto f = a.pop_frame(out);
      EXPECT_TRUE(f);
      if (!f || !*f) break;
      frames.emplace_back((*f)->data.begin(), (*f)->data.end());
    }
    return frames;
  }
  void feed(const std::vector<Fragment>& fs) {
    for (const auto& f : fs) ASSERT_TRUE(a.insert(f.seq, f.ts, f.payload));
  }
};

TEST_F(Assembler, RebuildsFramesInOrder) {
  const Bytes f1 = make_frame(10'000, 1), f2 = make_frame(50, 2), f3 = make_frame(2500, 3);
  feed(packetize(f1, 1200, seq, 1000));
  feed(packetize(f2, 1200, seq, 4000));
  feed(packetize(f3, 1200, seq, 7000));
  const auto frames = drain();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], f1);
  EXPECT_EQ(frames[1], f2);
  EXPECT_EQ(frames[2], f3);
  EXPECT_EQ(a.stats().frames_delivered, 3u);
  EXPECT_EQ(a.stats().frames_dropped, 0u);
}

TEST_F(Assembler, ToleratesReordering) {
  const Bytes f1 = make_frame(5000, 1), f2 = make_frame(3000, 2);
  auto p1 = packetize(f1, 1200, seq, 1);
  auto p2 = packetize(f2, 1200, seq, 2);
  std::vector<Fragment> all = p1;
  all.insert(all.end(), p2.begin(), p2.end());
  std::mt19937 rng(7);
  std::shuffle(all.begin(), all.end(), rng);
  feed(all);
  const auto frames = drain();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], f1);
  EXPECT_EQ(frames[1], f2);
}

TEST_F(Assembler, WaitsForAMissingFragmentThenCompletes) {
  const Bytes f1 = make_frame(3000, 1);
  auto p1 = packetize(f1, 1200, seq, 1);
  ASSERT_EQ(p1.size(), 3u);
  ASSERT_TRUE(a.insert(p1[0].seq, p1[0].ts, p1[0].payload));
  ASSERT_TRUE(a.insert(p1[2].seq, p1[2].ts, p1[2].payload));
  EXPECT_TRUE(drain().empty());
  ASSERT_TRUE(a.insert(p1[1].seq, p1[1].ts, p1[1].payload));
  const auto frames = drain();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], f1);
}

TEST_F(Assembler, DropsAFrameWithALostFragmentNeverHalf) {
  const Bytes f1 = make_frame(3000, 1);
  auto p1 = packetize(f1, 1200, seq, 1);
  p1.erase(p1.begin() + 1);  // lost in the network
  feed(p1);
  // Later frames arrive; once the reorder window passes, f1 is declared lost and the
  // later frames come out.
  std::vector<Bytes> later;
  for (int i = 0; i < 40; ++i) {
    later.push_back(make_frame(100, static_cast<std::uint8_t>(i)));
    feed(packetize(later.back(), 1200, seq, 100 + i));
  }
  const auto frames = drain();
  ASSERT_EQ(frames.size(), later.size());
  for (std::size_t i = 0; i < later.size(); ++i) EXPECT_EQ(frames[i], later[i]);
  EXPECT_EQ(a.stats().frames_dropped, 1u);
  EXPECT_EQ(a.stats().frames_delivered, 40u);
}

TEST_F(Assembler, DropsAFrameWhoseStartIsLost) {
  const Bytes f1 = make_frame(3000, 1), f2 = make_frame(200, 2);
  auto p1 = packetize(f1, 1200, seq, 1);
  p1.erase(p1.begin());
  feed(p1);
  for (int i = 0; i < 40; ++i) feed(packetize(f2, 1200, seq, 10 + i));
  const auto frames = drain();
  EXPECT_EQ(frames.size(), 40u);
  EXPECT_EQ(a.stats().frames_dropped, 1u);
}

TEST_F(Assembler, CountsLateDuplicateAndInvalid) {
  const Bytes f1 = make_frame(100, 1);
  auto p1 = packetize(f1, 1200, seq, 1);
  feed(p1);
  ASSERT_TRUE(a.insert(p1[0].seq, p1[0].ts, p1[0].payload));  // duplicate while held
  EXPECT_EQ(a.stats().packets_duplicate, 1u);
  ASSERT_EQ(drain().size(), 1u);
  ASSERT_TRUE(a.insert(p1[0].seq, p1[0].ts, p1[0].payload));  // late after delivery
  EXPECT_EQ(a.stats().packets_late, 1u);
  const std::uint8_t only_descriptor[] = {kStartOfFrame};
  EXPECT_EQ(a.insert(seq, 5, only_descriptor).error().code, Errc::invalid_encoding);
  EXPECT_EQ(a.insert(seq, 5, Bytes(1201, 0)).error().code, Errc::invalid_encoding);
  EXPECT_EQ(a.stats().packets_invalid, 2u);
  EXPECT_TRUE(drain().empty());
}

TEST_F(Assembler, TimestampChangeInsideAFrameDropsIt) {
  const Bytes f1 = make_frame(3000, 1), f2 = make_frame(100, 2);
  auto p1 = packetize(f1, 1200, seq, 1);
  p1[1].ts = 99;  // a hostile or broken sender
  feed(p1);
  feed(packetize(f2, 1200, seq, 2));
  const auto frames = drain();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], f2);
  EXPECT_GE(a.stats().frames_dropped, 1u);
}

TEST_F(Assembler, FrameLargerThanTheWindowIsDroppedAndMemoryStaysBounded) {
  auto small = FrameAssembler::create({8, 100, 4}).value();
  const Bytes big = make_frame(99 * 20, 1);  // 20 fragments, window of 8
  std::uint16_t s = 0;
  for (const auto& f : packetize(big, 100, s, 1)) ASSERT_TRUE(small.insert(f.seq, f.ts, f.payload));
  const Bytes ok_frame = make_frame(150, 2);
  for (const auto& f : packetize(ok_frame, 100, s, 2)) {
    ASSERT_TRUE(small.insert(f.seq, f.ts, f.payload));
  }
  Bytes buf(small.max_frame_size());
  auto f = small.pop_frame(buf);
  ASSERT_TRUE(f);
  ASSERT_TRUE(*f);
  EXPECT_TRUE(equal((*f)->data, ok_frame));
  EXPECT_EQ(small.stats().frames_dropped, 1u);
}

TEST_F(Assembler, BufferTooSmallKeepsTheFrame) {
  const Bytes f1 = make_frame(3000, 1);
  feed(packetize(f1, 1200, seq, 1));
  std::uint8_t tiny[10];
  EXPECT_EQ(a.pop_frame(tiny).error().code, Errc::buffer_too_small);
  const auto frames = drain();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], f1);
}

TEST(FrameAssemblerConfig, RejectsInconsistentBounds) {
  EXPECT_FALSE(FrameAssembler::create({1, 1200, 0}));
  EXPECT_FALSE(FrameAssembler::create({16, 1200, 16}));
  EXPECT_FALSE(FrameAssembler::create({16, 1, 4}));
  EXPECT_FALSE(FrameAssembler::create({16, 70000, 4}));
}

TEST(FrameAssemblerRandom, LossyReorderedStreamNeverYieldsAWrongFrame) {
  // Random loss and local reordering: every frame that comes out must be exactly one
  // that went in, in order, and delivered + dropped covers what arrived.
  auto a = FrameAssembler::create({64, 200, 16}).value();
  Bytes out(a.max_frame_size());
  std::mt19937 rng(42);
  std::uint16_t seq = 60000;
  std::vector<Bytes> sent;
  std::vector<Bytes> got;
  for (int frame = 0; frame < 2000; ++frame) {
    sent.push_back(make_frame(1 + rng() % 1500, static_cast<std::uint8_t>(frame)));
    auto frags = packetize(sent.back(), 200, seq, static_cast<std::uint32_t>(frame));
    // Swap neighbours now and then; drop 2% of packets.
    for (std::size_t i = 1; i < frags.size(); ++i) {
      if (rng() % 5 == 0) std::swap(frags[i - 1], frags[i]);
    }
    for (const auto& f : frags) {
      if (rng() % 50 == 0) continue;
      ASSERT_TRUE(a.insert(f.seq, f.ts, f.payload));
    }
    for (;;) {
      auto r = a.pop_frame(out);
      ASSERT_TRUE(r);
      if (!*r) break;
      got.emplace_back((*r)->data.begin(), (*r)->data.end());
      ASSERT_EQ(static_cast<std::size_t>((*r)->rtp_timestamp) < sent.size(), true);
      ASSERT_EQ(got.back(), sent[(*r)->rtp_timestamp]);
    }
  }
  EXPECT_GT(got.size(), 1000u);
  EXPECT_GT(a.stats().frames_dropped, 10u);
}

}  // namespace
}  // namespace ztm::net::sframe_rtp
