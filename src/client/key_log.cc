#include "internal/key_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ztm::client::internal {

namespace {

constexpr char kHex[] = "0123456789abcdef";

Result<void> io_fail(const std::string& what) {
  return fail(Errc::io_error, what + ": " + std::strerror(errno));
}

}  // namespace

Result<KeyLog> KeyLog::open(const std::filesystem::path& path, std::string meeting) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return tl::unexpected(io_fail("key log " + path.string()).error());
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    auto error = io_fail("key log " + path.string());
    ::close(fd);
    return tl::unexpected(error.error());
  }
  // The umask may have made a new file narrower, never wider; an existing file
  // keeps its mode, which must not let anyone else read the keys.
  if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return fail(Errc::invalid_argument,
                "key log " + path.string() +
                    " is not a regular file readable by its owner only (chmod 600 it, or name "
                    "a new file)");
  }
  return KeyLog(fd, std::move(meeting));
}

KeyLog::~KeyLog() {
  if (fd_ >= 0) ::close(fd_);
}

KeyLog::KeyLog(KeyLog&& other) noexcept : fd_(other.fd_), meeting_(std::move(other.meeting_)) {
  other.fd_ = -1;
}

Result<void> KeyLog::write(std::uint64_t epoch, std::uint32_t leaf_count,
                           const SecretBytes& base_key) {
  const std::string head = "ZTMEET_SFRAME_BASE_KEY " + meeting_ + " " + std::to_string(epoch) +
                           " " + std::to_string(leaf_count) + " ";
  // The line holds the key in hex: build it in a buffer that is wiped afterwards.
  std::vector<char, ZeroizingAllocator<char>> line(head.begin(), head.end());
  line.reserve(head.size() + 2 * base_key.size() + 1);
  for (const std::uint8_t b : base_key.expose()) {
    line.push_back(kHex[b >> 4]);
    line.push_back(kHex[b & 0x0f]);
  }
  line.push_back('\n');
  // One write per line: with O_APPEND, lines of concurrent writers do not interleave.
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) return io_fail("key log write");
  return ok();
}

}  // namespace ztm::client::internal
