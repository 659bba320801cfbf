// FramePacer: when a live source's next frame is due, without drift. The client's
// event loop asks it with the current time and encodes that many frames; the media
// layer itself keeps no clock (sans-I/O).
#pragma once

#include <chrono>
#include <cstdint>

namespace ztm::media {

class FramePacer {
 public:
  using Clock = std::chrono::steady_clock;

  // FramePacer(start, interval): the first frame is due at start, then one every
  // interval (e.g. 20 ms for Opus, 1 s / fps for video), counted from start so that
  // late wake-ups do not accumulate drift.
  FramePacer(Clock::time_point start, Clock::duration interval)
      : start_(start), interval_(interval) {}

  // due returns how many frames became due since the last call (at most max_burst,
  // so a loop that stalled for seconds does not encode a burst of stale frames; the
  // frames skipped that way are dropped from the schedule).
  std::uint64_t due(Clock::time_point now, std::uint64_t max_burst = 3) {
    if (now < start_ || interval_.count() <= 0) return 0;
    const auto scheduled = static_cast<std::uint64_t>((now - start_) / interval_) + 1;
    if (scheduled <= emitted_) return 0;
    std::uint64_t n = scheduled - emitted_;
    if (n > max_burst) {
      emitted_ = scheduled - max_burst;
      n = max_burst;
    }
    emitted_ += n;
    return n;
  }
  // next_due is when the next frame is due (for the loop's timer).
  Clock::time_point next_due() const {
    return start_ + interval_ * static_cast<Clock::rep>(emitted_);
  }

 private:
  Clock::time_point start_;
  Clock::duration interval_;
  std::uint64_t emitted_ = 0;
};

}  // namespace ztm::media
