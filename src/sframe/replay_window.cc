#include "internal/replay_window.h"

#include <algorithm>
#include <bit>
#include <string>

namespace ztm::sframe::internal {

ReplayWindow::ReplayWindow(std::size_t size_frames)
    : size_frames_(size_frames == 0 ? 1 : size_frames),
      ring_bits_(std::bit_ceil(std::max<std::size_t>(size_frames_, 64))),
      ring_mask_(ring_bits_ - 1),
      bits_(ring_bits_ / 64, 0) {}

tl::unexpected<Error> ReplayWindow::reject(Counter ctr) const {
  if (highest_ - ctr >= size_frames_) {
    return fail(Errc::replay, "sframe.replay: CTR " + std::to_string(ctr) +
                                  " is older than the window (highest " + std::to_string(highest_) +
                                  ", window " + std::to_string(size_frames_) + " frames)");
  }
  return fail(Errc::replay, "sframe.replay: CTR " + std::to_string(ctr) + " was seen before");
}

void ReplayWindow::advance(Counter ctr) {
  // Slots between the old highest and ctr were never seen: clear them. A jump past
  // the whole ring clears everything.
  if (!any_ || ctr - highest_ >= ring_bits_) {
    for (auto& word : bits_) word = 0;
  } else {
    for (Counter c = highest_ + 1; c != ctr; ++c) {
      bits_[bit(c) / 64] &= ~(std::uint64_t{1} << (bit(c) % 64));
    }
  }
  highest_ = ctr;
  any_ = true;
}

}  // namespace ztm::sframe::internal
