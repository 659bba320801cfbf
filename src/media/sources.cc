#include "ztm/media/sources.h"

#include "ztm/media/ivf.h"
#include "ztm/media/ogg_opus.h"

namespace ztm::media {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

Result<std::unique_ptr<FrameSource>> open_file_source(const std::string& path,
                                                      std::uint32_t first_rtp_timestamp) {
  const bool ogg = ends_with(path, ".opus") || ends_with(path, ".ogg");
  const bool ivf = ends_with(path, ".ivf");
  if (!ogg && !ivf)
    return fail(Errc::unsupported, "media.source: " + path + ": not .opus, .ogg or .ivf");
  ZTM_TRY_ASSIGN(Bytes file, read_file(path));
  std::unique_ptr<FrameSource> source;
  if (ogg) {
    ZTM_TRY_ASSIGN(source, OggOpusFileSource::create(std::move(file), first_rtp_timestamp));
  } else {
    ZTM_TRY_ASSIGN(source, IvfFileSource::create(std::move(file), first_rtp_timestamp));
  }
  return source;
}

}  // namespace ztm::media
