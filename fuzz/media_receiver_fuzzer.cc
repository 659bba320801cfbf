// Fuzzes MediaReceiver, the media decrypt entry point: the input is a sequence of
// RTP packets (each prefixed with a 2-byte big-endian length) fed to a receiver,
// which pops and decrypts frames under a fixed MLS epoch key. Nothing may crash, and
// whatever decrypts must carry a leaf index of the two-member tree.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/media/receiver.h"
#include "ztm/sframe/mls_context.h"

namespace {

using namespace ztm;
using namespace ztm::media;

sframe::MlsContext make_keys(std::chrono::steady_clock::time_point now) {
  auto keys = sframe::MlsContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128).value();
  const SecretBytes secret(Bytes(16, 0x5a));  // the key media_bench and the tests use
  if (!keys.add_epoch(1, secret, 2, 1, now)) std::abort();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  static auto keys = make_keys(now);
  ReceiverConfig config;
  config.max_streams = 4;
  // A smaller video window than the default keeps the per-input setup cheap; the
  // assembler's own limits are fuzzed by net_frame_assembler_fuzzer.
  config.video_assembler = {32, 1200, 16};
  auto rx = MediaReceiver::create(config).value();
  ByteView input(data, size);
  while (input.size() >= 2) {
    const std::size_t n = (std::size_t{input[0]} << 8) | input[1];
    input = input.subspan(2);
    const ByteView packet = input.first(std::min(n, input.size()));
    input = input.subspan(packet.size());
    (void)rx.receive_rtp(packet);
    for (;;) {
      auto frame = rx.pop_frame(keys, now);
      if (!frame || !*frame) break;
      if ((*frame)->sender > 1 || (*frame)->data.size() > kMaxFrameSize) std::abort();
    }
  }
  return 0;
}
