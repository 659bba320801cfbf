// ReplayWindow: the receiver's anti-replay state for one KID, a sliding bitmap
// over CTR values in the manner of RFC 3711 §3.3.2 (RFC 9605 §9.3 suggests it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe::internal {

class ReplayWindow {
 public:
  // ReplayWindow(size_frames) accepts a CTR at most size_frames - 1 below the
  // highest CTR accepted so far, once. The bitmap is allocated here, never per frame.
  explicit ReplayWindow(std::size_t size_frames);

  // fresh says whether ctr may be accepted: not seen before and not below the
  // window. It changes nothing: call accept only once the frame has authenticated,
  // so a forged frame cannot move the window.
  bool fresh(Counter ctr) const {
    if (!any_ || ctr > highest_) [[likely]]
      return true;
    return highest_ - ctr < size_frames_ && !test(ctr);
  }
  // check is fresh() as a Result: replay, saying whether ctr is a duplicate or too old.
  Result<void> check(Counter ctr) const {
    if (fresh(ctr)) return ok();
    return reject(ctr);
  }
  // reject builds the replay error for a ctr that is not fresh.
  [[gnu::cold, gnu::noinline]] tl::unexpected<Error> reject(Counter ctr) const;
  // accept records ctr as seen and slides the window if ctr is the new highest.
  void accept(Counter ctr) {
    if (!any_ || ctr > highest_) advance(ctr);
    bits_[bit(ctr) / 64] |= std::uint64_t{1} << (bit(ctr) % 64);
  }

 private:
  // advance makes ctr the highest, clearing the slots of the counters skipped.
  void advance(Counter ctr);

  std::size_t bit(Counter ctr) const { return static_cast<std::size_t>(ctr & ring_mask_); }
  bool test(Counter ctr) const { return (bits_[bit(ctr) / 64] >> (bit(ctr) % 64)) & 1u; }

  std::size_t size_frames_;
  std::size_t ring_bits_;  // a power of two >= 64, at least size_frames_
  Counter ring_mask_;
  std::vector<std::uint64_t> bits_;
  Counter highest_ = 0;
  bool any_ = false;
};

}  // namespace ztm::sframe::internal
