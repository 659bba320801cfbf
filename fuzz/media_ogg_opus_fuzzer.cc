// Fuzzes the Ogg page parser, the OpusHead and OpusTags parsers and the whole Ogg
// Opus reader (docs/media.md); what parses must re-serialize and parse the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/media/ogg_opus.h"

namespace {

using namespace ztm;
using namespace ztm::media;

void check_headers(ByteView input) {
  if (auto head = OpusHead::parse(input)) {
    auto again = OpusHead::parse(head->serialize());
    if (!again || !(*again == *head)) std::abort();
  }
  if (auto tags = OpusTags::parse(input)) {
    auto again = OpusTags::parse(tags->serialize());
    if (!again || again->vendor != tags->vendor || again->comments != tags->comments) std::abort();
  }
}

void check_pages(ByteView input) {
  std::size_t offset = 0;
  while (offset < input.size()) {
    auto page = parse_ogg_page(input.subspan(offset));
    if (!page) return;
    if (page->size == 0 || page->size > input.size() - offset || page->size > kOggMaxPageSize)
      std::abort();
    offset += page->size;
  }
}

void check_reader(ByteView input) {
  auto reader = OggOpusReader::open(input);
  if (!reader) return;
  for (int i = 0; i < 100000; ++i) {
    auto packet = reader->next_packet();
    if (!packet || !*packet) return;
    if ((*packet)->data.empty() || (*packet)->data.size() > kOpusMaxPacketSize) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  check_headers(input);
  check_pages(input);
  check_reader(input);
  return 0;
}
