#include "ztm/media/pacing.h"

#include <gtest/gtest.h>

namespace ztm::media {
namespace {

using namespace std::chrono_literals;

TEST(FramePacer, DueFramesFollowTheScheduleWithoutDrift) {
  const auto t0 = FramePacer::Clock::time_point{} + 1h;
  FramePacer pacer(t0, 20ms);
  EXPECT_EQ(pacer.due(t0 - 1ms), 0u);
  EXPECT_EQ(pacer.due(t0), 1u);  // the first frame at start
  EXPECT_EQ(pacer.due(t0 + 5ms), 0u);
  EXPECT_EQ(pacer.next_due(), t0 + 20ms);
  EXPECT_EQ(pacer.due(t0 + 25ms), 1u);     // a late wake-up...
  EXPECT_EQ(pacer.next_due(), t0 + 40ms);  // ...does not move the schedule
  EXPECT_EQ(pacer.due(t0 + 79ms), 2u);     // 40 and 60
  EXPECT_EQ(pacer.due(t0 + 80ms), 1u);
}

TEST(FramePacer, AStallIsCappedAtMaxBurst) {
  const auto t0 = FramePacer::Clock::time_point{} + 1h;
  FramePacer pacer(t0, 20ms);
  EXPECT_EQ(pacer.due(t0), 1u);
  EXPECT_EQ(pacer.due(t0 + 1s, 3), 3u);  // 50 frames were due; 3 are made
  EXPECT_EQ(pacer.due(t0 + 1s, 3), 0u);
  EXPECT_EQ(pacer.next_due(), t0 + 1020ms);
  EXPECT_EQ(pacer.due(t0 + 1020ms), 1u);
}

}  // namespace
}  // namespace ztm::media
