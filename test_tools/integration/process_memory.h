// Scanning another process's memory for byte strings (the test that the service
// holds no end-to-end key): every readable mapping of /proc/<pid>/maps is read through
// /proc/<pid>/mem while the process runs. Needs ptrace read access to the process
// (a child of the test, or the same user with Yama off).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"

namespace ztm_integration {

struct MemoryScan {
  std::vector<std::size_t> hits;  // per needle, occurrences found
  std::size_t bytes_scanned = 0;  // readable memory actually read
  std::size_t bytes_skipped = 0;  // readable mappings not read (see below)
  std::size_t regions = 0;        // mappings read
  std::string error;              // empty when the scan ran
};

// scan_process_memory counts each needle in the readable memory of pid. Mappings
// larger than max_region_bytes are skipped and counted in bytes_skipped (a sanitizer's
// shadow memory reserves terabytes); [vvar] and [vsyscall] cannot be read and are
// skipped too.
MemoryScan scan_process_memory(pid_t pid, const std::vector<ztm::Bytes>& needles,
                               std::size_t max_region_bytes = std::size_t{8} << 30);

}  // namespace ztm_integration
