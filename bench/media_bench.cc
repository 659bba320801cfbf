// Media pipeline costs (docs/performance.md § Media pipeline): what SFrame protection
// and per-frame RTP packetization add to Opus and VP8 encoding, and to the raw
// AES-128-GCM they are built on. Each pair is measured in the same run.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>

#include "ztm/crypto/aead.h"
#include "ztm/crypto/random.h"
#include "ztm/media/opus.h"
#include "ztm/media/receiver.h"
#include "ztm/media/sender.h"
#include "ztm/media/vp8.h"
#include "ztm/sframe/mls_context.h"

namespace {

using namespace ztm;
using namespace ztm::media;

template <class T>
T must(Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}

void must(Result<void> r) {
  if (!r) std::abort();
}

sframe::MlsContext sender_keys(std::uint32_t leaf = 0) {
  auto keys = must(sframe::MlsContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128));
  const SecretBytes secret(Bytes(16, 0x5a));
  if (!keys.add_epoch(1, secret, 2, leaf, std::chrono::steady_clock::now())) std::abort();
  return keys;
}

StreamConfig stream(MediaKind kind) {
  StreamConfig c;
  c.kind = kind;
  c.ssrc = kind == MediaKind::audio ? 1 : 2;
  c.payload_type = kind == MediaKind::audio ? 111 : 96;
  c.sframe_context_id = kind == MediaKind::audio ? kAudioContextId : kVideoContextId;
  c.dd_extension_id = kind == MediaKind::audio ? 0 : 3;
  return c;
}

// BM_MediaOpusEncode: the baseline — generate 20 ms of tone and encode it (libopus,
// 32 kbit/s, complexity 5).
void BM_MediaOpusEncode(benchmark::State& state) {
  auto source = must(OpusToneSource::create({}));
  EncodedFrame f;
  for (auto _ : state) benchmark::DoNotOptimize(must(source->next(f)));
}
BENCHMARK(BM_MediaOpusEncode);

// BM_MediaOpusEncodeProtectPacketize: the same, then SFrame protect and RTP packetize.
void BM_MediaOpusEncodeProtectPacketize(benchmark::State& state) {
  auto source = must(OpusToneSource::create({}));
  auto keys = sender_keys();
  auto tx = must(MediaSender::create(stream(MediaKind::audio)));
  RtpPacketBatch batch;
  EncodedFrame f;
  for (auto _ : state) {
    must(source->next(f));
    benchmark::DoNotOptimize(must(tx.send_frame(f, keys, batch)));
  }
}
BENCHMARK(BM_MediaOpusEncodeProtectPacketize);

Vp8Config vp8_360p() {
  Vp8Config c;
  c.width = 640;
  c.height = 360;
  c.fps = 30;
  c.bitrate_kbps = 800;
  c.keyframe_interval_frames = 90;
  return c;
}

// BM_MediaVp8Encode: the baseline — render and encode one 640x360 frame (libvpx
// real-time, cpu-used 8, 800 kbit/s, a keyframe every 3 s).
void BM_MediaVp8Encode(benchmark::State& state) {
  auto source = must(Vp8PatternSource::create(vp8_360p()));
  EncodedFrame f;
  std::size_t bytes = 0;
  for (auto _ : state) {
    must(source->next(f));
    bytes += f.data.size();
  }
  state.counters["frame_bytes"] =
      benchmark::Counter(double(bytes), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_MediaVp8Encode)->Unit(benchmark::kMicrosecond);

// BM_MediaVp8EncodeProtectPacketize: the same, then SFrame protect, packetize with the
// Dependency Descriptor.
void BM_MediaVp8EncodeProtectPacketize(benchmark::State& state) {
  auto source = must(Vp8PatternSource::create(vp8_360p()));
  auto keys = sender_keys();
  auto tx = must(MediaSender::create(stream(MediaKind::video)));
  RtpPacketBatch batch;
  EncodedFrame f;
  for (auto _ : state) {
    must(source->next(f));
    benchmark::DoNotOptimize(must(tx.send_frame(f, keys, batch)));
  }
  state.counters["packets_per_frame"] =
      benchmark::Counter(double(tx.stats().packets) / double(tx.stats().frames));
}
BENCHMARK(BM_MediaVp8EncodeProtectPacketize)->Unit(benchmark::kMicrosecond);

// BM_MediaProtectPacketize/size: send_frame alone on a frame of `size` bytes (80: an
// Opus frame; 4 000: a VP8 delta frame; 30 000: a keyframe).
void BM_MediaProtectPacketize(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  auto keys = sender_keys();
  auto tx = must(MediaSender::create(stream(MediaKind::video)));
  RtpPacketBatch batch;
  EncodedFrame f;
  f.kind = MediaKind::video;
  f.data = crypto::random_bytes(size);
  for (auto _ : state) {
    f.rtp_timestamp += 3000;
    benchmark::DoNotOptimize(must(tx.send_frame(f, keys, batch)));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_MediaProtectPacketize)->Arg(80)->Arg(4000)->Arg(30000);

// BM_MediaRawAesGcm/size: the floor — one AES-128-GCM seal of the same bytes with a
// key set up once (what SFrame's protect costs at its core).
void BM_MediaRawAesGcm(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  auto key = must(crypto::AeadKey::create(crypto::AeadId::aes128gcm, crypto::random_bytes(16)));
  const Bytes plaintext = crypto::random_bytes(size);
  Bytes nonce = crypto::random_bytes(12);
  Bytes out(size + 16);
  std::uint32_t i = 0;
  for (auto _ : state) {
    nonce[11] = static_cast<std::uint8_t>(i++);
    benchmark::DoNotOptimize(must(key.seal(nonce, {}, plaintext, out)).data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_MediaRawAesGcm)->Arg(80)->Arg(4000)->Arg(30000);

// BM_MediaReceive/size: the receive side of a frame of `size` bytes — reassemble its
// packets and SFrame-decrypt. Packets are prepared outside the timed region.
void BM_MediaReceive(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  auto alice = sender_keys(0);
  auto bob = sender_keys(1);
  auto tx = must(MediaSender::create(stream(MediaKind::video)));
  auto rx = must(MediaReceiver::create());
  RtpPacketBatch batch;
  EncodedFrame f;
  f.kind = MediaKind::video;
  f.data = crypto::random_bytes(size);
  f.data[0] = 0;  // a VP8 key frame tag
  const auto now = std::chrono::steady_clock::now();
  for (auto _ : state) {
    state.PauseTiming();
    f.rtp_timestamp += 3000;
    must(tx.send_frame(f, alice, batch));
    state.ResumeTiming();
    for (std::size_t i = 0; i < batch.size(); ++i) must(rx.receive_rtp(batch.packet(i)));
    auto got = must(rx.pop_frame(bob, now));
    if (!got) std::abort();
    benchmark::DoNotOptimize(got->data.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_MediaReceive)->Arg(80)->Arg(4000)->Arg(30000);

}  // namespace
