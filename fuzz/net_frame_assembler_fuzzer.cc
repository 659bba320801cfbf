// Fuzzes the SFrame frame assembler with an arbitrary packet stream. Input records:
//   seq_delta (1 byte, signed) | timestamp_delta (1 byte) | length (1 byte) | payload
// Invariants: no crash, no frame larger than the window, every frame's bytes are the
// fragments of one RTP timestamp, pop_frame never fails with a max-size buffer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/net/sframe_rtp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm;
  using namespace ztm::net::sframe_rtp;
  static auto assembler_config = FrameAssemblerConfig{16, 64, 4};
  auto a = FrameAssembler::create(assembler_config).value();
  static Bytes out(assembler_config.window_packets * assembler_config.max_payload_size);
  std::uint16_t seq = 65500;
  std::uint32_t ts = 0;
  std::size_t pos = 0;
  std::uint64_t inserted = 0;
  while (size - pos >= 3) {
    seq = static_cast<std::uint16_t>(seq + static_cast<std::int8_t>(data[pos]));
    ts += data[pos + 1];
    const std::size_t len = std::min<std::size_t>(data[pos + 2], size - pos - 3);
    pos += 3;
    const ByteView payload(data + pos, len);
    pos += len;
    if (a.insert(seq, ts, payload)) ++inserted;
    for (;;) {
      auto f = a.pop_frame(out);
      if (!f) std::abort();
      if (!*f) break;
      if ((*f)->data.size() > a.max_frame_size() || (*f)->packet_count == 0 ||
          (*f)->packet_count > assembler_config.window_packets) {
        std::abort();
      }
    }
  }
  const auto& s = a.stats();
  if (s.frames_delivered > inserted) std::abort();
  return 0;
}
