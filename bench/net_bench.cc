// Media-transport costs: SRTP protection against the raw AEAD it is built on, and
// SFrame RTP packetization of a video-sized frame. docs/performance.md quotes them.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "ztm/crypto/random.h"
#include "ztm/net/rtp.h"
#include "ztm/net/sframe_rtp.h"
#include "ztm/net/srtp.h"

namespace {

using namespace ztm;
using namespace ztm::net;

template <class T>
T must(Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}

constexpr std::size_t kPacketSize = 1200;

// BM_SrtpProtectGcm: libsrtp's AES-128-GCM protect of a 1200-byte RTP packet
// (12-byte header authenticated, 1188 bytes encrypted). Each iteration rewrites the
// header with the next sequence number, since libsrtp refuses to protect one twice.
void BM_SrtpProtectGcm(benchmark::State& state) {
  const auto profile = SrtpProfile::aead_aes_128_gcm;
  auto session = must(SrtpSession::create(
      profile, SrtpRole::client, crypto::random_secret(srtp_keying_material_size(profile))));
  Bytes buf(kPacketSize + kSrtpMaxOverhead, 0x42);
  rtp::Header h;
  h.payload_type = 96;
  h.ssrc = 0x1234;
  std::uint32_t index = 0;
  for (auto _ : state) {
    h.sequence_number = static_cast<std::uint16_t>(index);
    h.timestamp = index++;
    (void)rtp::write_header(h, buf);
    auto r = session.protect_rtp(buf, kPacketSize);
    if (!r) {
      state.SkipWithError("protect failed");
      break;
    }
    benchmark::DoNotOptimize(r->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacketSize));
}
BENCHMARK(BM_SrtpProtectGcm);

// BM_RawEvpAes128Gcm: the same work done directly with OpenSSL's EVP AES-128-GCM —
// 12 bytes of AAD, 1188 bytes encrypted in place, 16-byte tag. The floor for SRTP.
void BM_RawEvpAes128Gcm(benchmark::State& state) {
  const Bytes key = crypto::random_bytes(16);
  Bytes iv = crypto::random_bytes(12);
  Bytes buf(kPacketSize + 16, 0x42);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, key.data(), nullptr);
  std::uint32_t index = 0;
  for (auto _ : state) {
    iv[11] = static_cast<std::uint8_t>(index);
    iv[10] = static_cast<std::uint8_t>(index++ >> 8);
    int len = 0;
    if (EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, iv.data()) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, buf.data(), 12) != 1 ||
        EVP_EncryptUpdate(ctx.get(), buf.data() + 12, &len, buf.data() + 12,
                          static_cast<int>(kPacketSize - 12)) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), buf.data() + kPacketSize, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, buf.data() + kPacketSize) != 1) {
      state.SkipWithError("EVP failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacketSize));
}
BENCHMARK(BM_RawEvpAes128Gcm);

// BM_SrtpUnprotectGcm: the receive side on the same packet size.
void BM_SrtpUnprotectGcm(benchmark::State& state) {
  const auto profile = SrtpProfile::aead_aes_128_gcm;
  const SecretBytes km = crypto::random_secret(srtp_keying_material_size(profile));
  auto sender = must(SrtpSession::create(profile, SrtpRole::client, km));
  auto receiver = must(SrtpSession::create(profile, SrtpRole::server, km));
  // Pre-protect a ring of packets so the timed loop measures unprotect only.
  constexpr std::size_t kRing = 4096;
  std::vector<Bytes> sealed(kRing);
  rtp::Header h;
  h.payload_type = 96;
  h.ssrc = 0x1234;
  std::uint32_t index = 0;
  auto refill = [&] {
    for (auto& s : sealed) {
      Bytes buf(kPacketSize + kSrtpMaxOverhead, 0x42);
      h.sequence_number = static_cast<std::uint16_t>(index);
      h.timestamp = index++;
      (void)rtp::write_header(h, buf);
      auto r = must(sender.protect_rtp(buf, kPacketSize));
      s.assign(r.begin(), r.end());
    }
  };
  refill();
  std::size_t i = 0;
  Bytes work;
  for (auto _ : state) {
    if (i == kRing) {
      state.PauseTiming();
      refill();
      i = 0;
      state.ResumeTiming();
    }
    work = sealed[i++];
    auto r = receiver.unprotect_rtp(work);
    if (!r) {
      state.SkipWithError("unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(r->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacketSize));
}
BENCHMARK(BM_SrtpUnprotectGcm);

constexpr std::size_t kFrameSize = 10'000;
constexpr std::size_t kMtuPayload = 1200;

// BM_SframePacketize10k: split a 10 000-byte SFrame ciphertext into 1200-byte payloads.
void BM_SframePacketize10k(benchmark::State& state) {
  const Bytes frame = crypto::random_bytes(kFrameSize);
  Bytes out(kMtuPayload);
  for (auto _ : state) {
    auto p = must(sframe_rtp::Packetizer::create(frame, kMtuPayload));
    while (!p.done()) benchmark::DoNotOptimize(must(p.next(out)).data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFrameSize));
}
BENCHMARK(BM_SframePacketize10k);

// BM_SframeDepacketize10k: insert the 9 payloads of a 10 000-byte frame into the
// assembler and pop the rebuilt frame.
void BM_SframeDepacketize10k(benchmark::State& state) {
  const Bytes frame = crypto::random_bytes(kFrameSize);
  std::vector<Bytes> payloads;
  auto p = must(sframe_rtp::Packetizer::create(frame, kMtuPayload));
  Bytes buf(kMtuPayload);
  while (!p.done()) {
    auto w = must(p.next(buf));
    payloads.emplace_back(w.begin(), w.end());
  }
  auto assembler = must(sframe_rtp::FrameAssembler::create({}));
  Bytes out(assembler.max_frame_size());
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  for (auto _ : state) {
    ts += 3000;
    for (const auto& payload : payloads) (void)assembler.insert(seq++, ts, payload);
    auto f = assembler.pop_frame(out);
    if (!f || !*f || (*f)->data.size() != kFrameSize) {
      state.SkipWithError("no frame");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFrameSize));
}
BENCHMARK(BM_SframeDepacketize10k);

}  // namespace
