#include "internal/replay_window.h"

#include <gtest/gtest.h>

namespace ztm::sframe::internal {
namespace {

bool accept_if_fresh(ReplayWindow& w, Counter ctr) {
  if (!w.check(ctr)) return false;
  w.accept(ctr);
  return true;
}

TEST(SFrameReplayWindow, InOrderOnce) {
  ReplayWindow w(8);
  for (Counter c = 0; c < 100; ++c) EXPECT_TRUE(accept_if_fresh(w, c)) << c;
  for (Counter c = 92; c < 100; ++c) EXPECT_FALSE(accept_if_fresh(w, c)) << c;
}

TEST(SFrameReplayWindow, EdgesOfTheWindow) {
  ReplayWindow w(64);
  EXPECT_TRUE(accept_if_fresh(w, 1000));
  EXPECT_TRUE(accept_if_fresh(w, 1000 - 63));   // oldest slot inside
  EXPECT_FALSE(accept_if_fresh(w, 1000 - 64));  // just outside
  EXPECT_EQ(w.check(1000 - 64).error().code, Errc::replay);
}

TEST(SFrameReplayWindow, JumpsClearStaleSlots) {
  ReplayWindow w(100);  // ring of 128 bits
  EXPECT_TRUE(accept_if_fresh(w, 5));
  // 5 + 128 lands on the same ring slot as 5; it was never seen.
  EXPECT_TRUE(accept_if_fresh(w, 5 + 128));
  EXPECT_TRUE(accept_if_fresh(w, 5 + 128 - 1));
  // A huge jump forgets everything behind the window.
  EXPECT_TRUE(accept_if_fresh(w, 1'000'000));
  EXPECT_TRUE(accept_if_fresh(w, 1'000'000 - 99));
  EXPECT_FALSE(accept_if_fresh(w, 1'000'000 - 100));
}

TEST(SFrameReplayWindow, CheckDoesNotRecord) {
  ReplayWindow w(16);
  EXPECT_TRUE(w.check(3));
  EXPECT_TRUE(w.check(3));
  w.accept(3);
  EXPECT_FALSE(w.check(3));
}

TEST(SFrameReplayWindow, TopOfTheCounterSpace) {
  ReplayWindow w(16);
  const Counter max = ~Counter{0};
  EXPECT_TRUE(accept_if_fresh(w, max));
  EXPECT_FALSE(accept_if_fresh(w, max));
  EXPECT_TRUE(accept_if_fresh(w, max - 15));
  EXPECT_FALSE(accept_if_fresh(w, max - 16));
}

}  // namespace
}  // namespace ztm::sframe::internal
