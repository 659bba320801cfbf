// The tour `ztmeet demo` runs: an honest, unattended walk through what ztmeet can
// do today, checking every claim it prints. Until the networked meeting exists it
// rehearses one in memory: real MLS (RFC 9420) group operations between several
// members and real SFrame (RFC 9605) media protection keyed from them.
#pragma once

#include <filesystem>
#include <ostream>

#include "ztm/base/error.h"

namespace ztm::demo {

struct TourOptions {
  // vectors_dir holds the official test vectors (../shared/testvectors).
  std::filesystem::path vectors_dir;
  // frames each sender sends per epoch in the media rehearsal.
  int frames_per_epoch = 50;
};

// run_tour prints the tour to out and fails with the first check that did not hold.
Result<void> run_tour(const TourOptions& options, std::ostream& out);

}  // namespace ztm::demo
