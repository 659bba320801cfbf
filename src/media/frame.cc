#include "ztm/media/frame.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace ztm::media {

std::string_view media_kind_name(MediaKind kind) {
  return kind == MediaKind::video ? "video" : "audio";
}

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;
}  // namespace

Result<Bytes> read_file(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) return fail(Errc::io_error, "media.read_file: " + path + ": " + std::strerror(errno));
  Bytes out;
  std::uint8_t chunk[65536];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    out.insert(out.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get()))
    return fail(Errc::io_error, "media.read_file: " + path + ": read failed");
  return out;
}

Result<void> write_file(const std::string& path, ByteView data) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) return fail(Errc::io_error, "media.write_file: " + path + ": " + std::strerror(errno));
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), f.get()) != data.size()) {
    return fail(Errc::io_error, "media.write_file: " + path + ": write failed");
  }
  if (std::fclose(f.release()) != 0)
    return fail(Errc::io_error, "media.write_file: " + path + ": close failed");
  return ok();
}

}  // namespace ztm::media
