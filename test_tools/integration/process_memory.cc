#include "process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ztm_integration {

namespace {

struct Region {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

// Occurrences of needle in [data, data + size) starting before limit (so that a
// match across two chunks is counted once).
std::size_t count(const std::uint8_t* data, std::size_t size, std::size_t limit,
                  const ztm::Bytes& needle) {
  std::size_t n = 0;
  const std::uint8_t* p = data;
  const std::uint8_t* end = data + size;
  while (p < end) {
    const void* hit = memmem(p, static_cast<std::size_t>(end - p), needle.data(), needle.size());
    if (hit == nullptr) break;
    const auto* at = static_cast<const std::uint8_t*>(hit);
    if (static_cast<std::size_t>(at - data) >= limit) break;
    ++n;
    p = at + 1;
  }
  return n;
}

}  // namespace

MemoryScan scan_process_memory(pid_t pid, const std::vector<ztm::Bytes>& needles,
                               std::size_t max_region_bytes) {
  MemoryScan scan;
  scan.hits.assign(needles.size(), 0);
  std::size_t longest = 1;
  for (const auto& n : needles) longest = std::max(longest, n.size());

  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  if (!maps) {
    scan.error = "cannot read /proc/" + std::to_string(pid) + "/maps";
    return scan;
  }
  std::vector<Region> regions;
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    in >> range >> perms >> offset >> dev >> inode;
    std::getline(in, path);
    if (perms.empty() || perms[0] != 'r') continue;
    if (path.find("[vvar]") != std::string::npos || path.find("[vsyscall]") != std::string::npos) {
      continue;
    }
    const auto dash = range.find('-');
    Region r{std::stoull(range.substr(0, dash), nullptr, 16),
             std::stoull(range.substr(dash + 1), nullptr, 16)};
    if (r.end - r.begin > max_region_bytes) {
      scan.bytes_skipped += r.end - r.begin;
      continue;
    }
    regions.push_back(r);
  }

  const int fd = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    scan.error = std::string("cannot open /proc/<pid>/mem: ") + std::strerror(errno);
    return scan;
  }
  constexpr std::size_t kChunk = std::size_t{4} << 20;
  std::vector<std::uint8_t> buffer(kChunk + longest);
  for (const Region& r : regions) {
    bool read_any = false;
    for (std::uintptr_t at = r.begin; at < r.end; at += kChunk) {
      // Read the chunk plus longest - 1 bytes of the next, so a needle straddling the
      // boundary is seen; count only matches starting inside the chunk.
      const std::size_t want = std::min<std::size_t>(r.end - at, kChunk + longest - 1);
      const ssize_t got = pread(fd, buffer.data(), want, static_cast<off_t>(at));
      if (got <= 0) break;  // e.g. a guard page: the rest of this mapping is unreadable
      read_any = true;
      const std::size_t size = static_cast<std::size_t>(got);
      const std::size_t limit = std::min(size, kChunk);
      scan.bytes_scanned += limit;
      for (std::size_t i = 0; i < needles.size(); ++i) {
        scan.hits[i] += count(buffer.data(), size, limit, needles[i]);
      }
    }
    if (read_any) ++scan.regions;
  }
  close(fd);
  return scan;
}

}  // namespace ztm_integration
