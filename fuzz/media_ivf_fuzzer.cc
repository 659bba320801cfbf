// Fuzzes the IVF reader and the FrameLog text parser (docs/media.md); what parses
// must re-serialize and parse the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ztm/media/frame_log.h"
#include "ztm/media/ivf.h"

namespace {

using namespace ztm;
using namespace ztm::media;

void check_ivf(ByteView input) {
  auto reader = IvfReader::open(input);
  if (!reader) return;
  const auto header = reader->header().serialize();
  auto again = IvfHeader::parse(header);
  if (!again || again->width != reader->header().width ||
      again->frame_count != reader->header().frame_count) {
    std::abort();
  }
  std::size_t consumed = kIvfFileHeaderSize;
  for (;;) {
    auto frame = reader->next_frame();
    if (!frame || !*frame) break;
    if ((*frame)->data.empty() || (*frame)->data.size() > kMaxFrameSize) std::abort();
    consumed += kIvfFrameHeaderSize + (*frame)->data.size();
    if (consumed > input.size()) std::abort();
  }
}

void check_frame_log(ByteView input) {
  const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
  auto log = FrameLog::parse(text);
  if (!log) return;
  auto again = FrameLog::parse(log->serialize());
  if (!again || again->records() != log->records()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  check_ivf(input);
  check_frame_log(input);
  return 0;
}
