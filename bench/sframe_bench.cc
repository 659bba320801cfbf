// SFrame protect/unprotect against the raw AEAD doing the same encryption with no
// SFrame around it (OpenSSL EVP, keyed once, a fresh 12-byte nonce per call), per
// RFC 9605 suite and frame size. docs/performance.md reports SFrame / raw.
//
//   BM_SFrameProtect/<suite id>/<size>    BM_RawAeadSeal/<suite id>/<size>
//   BM_SFrameUnprotect/<suite id>/<size>  BM_RawAeadOpen/<suite id>/<size>
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ztm/sframe/context.h"

namespace {

using namespace ztm;
using namespace ztm::sframe;

constexpr std::size_t kSizes[] = {64, 200, 1200, 10000, 100000};
constexpr KeyId kKid = 5;

// Frames for the decrypt benchmarks are made in batches of ~4 MiB outside the timed
// region: a receiver rejects replays, so each unprotect needs a frame it has not seen.
std::size_t batch_for(std::size_t size) {
  return std::max<std::size_t>(16, (std::size_t{4} << 20) / (size + 64));
}

template <class T>
T must(Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}

SecretBytes bench_key() {
  return SecretBytes(Bytes(16, 0x42));
}

void BM_SFrameProtect(benchmark::State& state, CipherSuite suite, std::size_t size) {
  auto send = must(SendContext::create(suite, kKid, bench_key()));
  const Bytes plaintext(size, 0x5a);
  Bytes frame(size + max_overhead);
  for (auto _ : state) {
    auto sealed = send.protect(plaintext, {}, frame);
    if (!sealed) {
      state.SkipWithError("protect failed");
      break;
    }
    benchmark::DoNotOptimize(sealed->data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_SFrameUnprotect(benchmark::State& state, CipherSuite suite, std::size_t size) {
  auto send = must(SendContext::create(suite, kKid, bench_key()));
  auto receive = must(ReceiveContext::create(suite));
  if (!receive.add_key(kKid, bench_key())) std::abort();
  const Bytes plaintext(size, 0x5a);
  const std::size_t batch = batch_for(size);
  std::vector<Bytes> frames(batch);
  std::size_t next = batch;
  Bytes out(size);
  for (auto _ : state) {
    if (next == batch) {
      state.PauseTiming();
      for (auto& f : frames) f = must(send.protect(plaintext, {}));
      next = 0;
      state.ResumeTiming();
    }
    auto opened = receive.unprotect(frames[next++], {}, out);
    if (!opened) {
      state.SkipWithError("unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(opened->data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// RawAead is the baseline, written directly on EVP: AES-GCM, or AES-CTR followed by
// HMAC-SHA256 over the ciphertext truncated to the suite's tag, keyed once.
class RawAead {
 public:
  explicit RawAead(CipherSuite suite) : info_(must(suite_info(suite))) {
    const Bytes key(info_.nk, 0x42);
    enc_ = EVP_CIPHER_CTX_new();
    dec_ = EVP_CIPHER_CTX_new();
    if (info_.ctr_hmac) {
      EVP_EncryptInit_ex(enc_, EVP_aes_128_ctr(), nullptr, key.data(), nullptr);
      EVP_DecryptInit_ex(dec_, EVP_aes_128_ctr(), nullptr, key.data(), nullptr);
      mac_type_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      mac_ = EVP_MAC_CTX_new(mac_type_);
      char digest[] = "SHA256";
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
          OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(mac_, key.data() + 16, 32, params) != 1) std::abort();
    } else {
      const EVP_CIPHER* cipher = info_.nk == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
      EVP_EncryptInit_ex(enc_, cipher, nullptr, key.data(), nullptr);
      EVP_DecryptInit_ex(dec_, cipher, nullptr, key.data(), nullptr);
    }
  }
  ~RawAead() {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
    EVP_MAC_CTX_free(mac_);
    EVP_MAC_free(mac_type_);
  }
  RawAead(const RawAead&) = delete;
  RawAead& operator=(const RawAead&) = delete;

  std::size_t tag_size() const { return info_.nt; }

  // next_nonce is a fresh nonce per call, as a real sender would use.
  std::array<std::uint8_t, 12> next_nonce() {
    std::array<std::uint8_t, 12> nonce{};
    ++counter_;
    std::memcpy(nonce.data() + 4, &counter_, sizeof counter_);
    return nonce;
  }

  bool seal(const std::array<std::uint8_t, 12>& nonce, const Bytes& pt, std::uint8_t* out) {
    int len = 0;
    if (info_.ctr_hmac) {
      std::array<std::uint8_t, 16> iv{};
      std::memcpy(iv.data(), nonce.data(), nonce.size());
      if (EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, iv.data()) != 1 ||
          EVP_EncryptUpdate(enc_, out, &len, pt.data(), static_cast<int>(pt.size())) != 1) {
        return false;
      }
      return mac(out, pt.size(), out + pt.size());
    }
    int final_len = 0;
    return EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_EncryptUpdate(enc_, out, &len, pt.data(), static_cast<int>(pt.size())) == 1 &&
           EVP_EncryptFinal_ex(enc_, out + len, &final_len) == 1 &&
           EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, 16, out + pt.size()) == 1;
  }

  bool open(const std::array<std::uint8_t, 12>& nonce, const Bytes& ct, std::uint8_t* out) {
    const std::size_t body = ct.size() - info_.nt;
    int len = 0;
    if (info_.ctr_hmac) {
      std::array<std::uint8_t, 32> tag{};
      if (!mac(ct.data(), body, tag.data()) ||
          CRYPTO_memcmp(tag.data(), ct.data() + body, info_.nt) != 0) {
        return false;
      }
      std::array<std::uint8_t, 16> iv{};
      std::memcpy(iv.data(), nonce.data(), nonce.size());
      return EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, iv.data()) == 1 &&
             EVP_DecryptUpdate(dec_, out, &len, ct.data(), static_cast<int>(body)) == 1;
    }
    int final_len = 0;
    return EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, 16,
                               const_cast<std::uint8_t*>(ct.data() + body)) == 1 &&
           EVP_DecryptUpdate(dec_, out, &len, ct.data(), static_cast<int>(body)) == 1 &&
           EVP_DecryptFinal_ex(dec_, out + len, &final_len) == 1;
  }

 private:
  bool mac(const std::uint8_t* data, std::size_t size, std::uint8_t* tag_out) {
    std::array<std::uint8_t, 32> full{};
    std::size_t len = 0;
    if (EVP_MAC_init(mac_, nullptr, 0, nullptr) != 1 || EVP_MAC_update(mac_, data, size) != 1 ||
        EVP_MAC_final(mac_, full.data(), &len, full.size()) != 1) {
      return false;
    }
    std::memcpy(tag_out, full.data(), info_.nt);
    return true;
  }

  SuiteInfo info_;
  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
  EVP_MAC* mac_type_ = nullptr;
  EVP_MAC_CTX* mac_ = nullptr;
  std::uint64_t counter_ = 0;
};

void BM_RawAeadSeal(benchmark::State& state, CipherSuite suite, std::size_t size) {
  RawAead aead(suite);
  const Bytes plaintext(size, 0x5a);
  Bytes out(size + aead.tag_size());
  for (auto _ : state) {
    if (!aead.seal(aead.next_nonce(), plaintext, out.data())) {
      state.SkipWithError("seal failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_RawAeadOpen(benchmark::State& state, CipherSuite suite, std::size_t size) {
  RawAead aead(suite);
  const Bytes plaintext(size, 0x5a);
  const std::size_t batch = batch_for(size);
  std::vector<std::array<std::uint8_t, 12>> nonces(batch);
  std::vector<Bytes> sealed(batch, Bytes(size + aead.tag_size()));
  std::size_t next = batch;
  Bytes out(size);
  for (auto _ : state) {
    if (next == batch) {
      state.PauseTiming();
      for (std::size_t i = 0; i < batch; ++i) {
        nonces[i] = aead.next_nonce();
        if (!aead.seal(nonces[i], plaintext, sealed[i].data())) std::abort();
      }
      next = 0;
      state.ResumeTiming();
    }
    if (!aead.open(nonces[next], sealed[next], out.data())) {
      state.SkipWithError("open failed");
      break;
    }
    ++next;
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// Registered in pairs so each SFrame figure sits next to its raw baseline.
const bool registered = [] {
  for (CipherSuite suite : all_cipher_suites) {
    const std::string id = std::to_string(static_cast<unsigned>(suite));
    for (std::size_t size : kSizes) {
      const std::string tail = "/" + id + "/" + std::to_string(size);
      benchmark::RegisterBenchmark(("BM_SFrameProtect" + tail).c_str(), BM_SFrameProtect, suite,
                                   size);
      benchmark::RegisterBenchmark(("BM_RawAeadSeal" + tail).c_str(), BM_RawAeadSeal, suite, size);
      benchmark::RegisterBenchmark(("BM_SFrameUnprotect" + tail).c_str(), BM_SFrameUnprotect, suite,
                                   size);
      benchmark::RegisterBenchmark(("BM_RawAeadOpen" + tail).c_str(), BM_RawAeadOpen, suite, size);
    }
  }
  return true;
}();

}  // namespace
