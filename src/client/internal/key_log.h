// KeyLog writes each epoch's SFrame base key to a file the user named with
// `ztmeet join --keylog FILE` (docs/client.md, "Key log"), so that captured media can
// be decrypted later, as TLS's SSLKEYLOGFILE does for TLS. Whoever reads the file can
// decrypt the media of the epochs in it: it is created 0600, an existing file must
// not be readable by others, and nothing is written unless the option is given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::client::internal {

class KeyLog {
 public:
  // open creates the file (0600) or appends to it. Errors: io_error, and
  // permission_denied for an existing file that group or others may read.
  static Result<KeyLog> open(const std::filesystem::path& path, std::string meeting);
  ~KeyLog();
  KeyLog(KeyLog&& other) noexcept;
  KeyLog& operator=(KeyLog&&) = delete;
  KeyLog(const KeyLog&) = delete;
  KeyLog& operator=(const KeyLog&) = delete;

  // write appends one line:
  //   ZTMEET_SFRAME_BASE_KEY <meeting> <epoch> <leaf_count> <base key, hex>
  // A failed write is reported, not fatal: the meeting goes on without its log.
  Result<void> write(std::uint64_t epoch, std::uint32_t leaf_count, const SecretBytes& base_key);

 private:
  KeyLog(int fd, std::string meeting) : fd_(fd), meeting_(std::move(meeting)) {}
  int fd_ = -1;
  std::string meeting_;
};

}  // namespace ztm::client::internal
