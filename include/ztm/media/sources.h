// Choosing a FrameSource from a command line: a file, or the generated signal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ztm/base/error.h"
#include "ztm/media/frame.h"

namespace ztm::media {

// open_file_source reads a whole file and plays its frames: ".opus" or ".ogg" as Ogg
// Opus (OggOpusFileSource), ".ivf" as VP8 in IVF (IvfFileSource). The file's own
// timestamps are shifted to start at first_rtp_timestamp (RFC 3550 §5.1: choose it at
// random). unsupported for another extension; the readers' errors otherwise.
Result<std::unique_ptr<FrameSource>> open_file_source(const std::string& path,
                                                      std::uint32_t first_rtp_timestamp = 0);

}  // namespace ztm::media
