// Crypto-layer floors: what one signature, DH, HPKE setup and hash cost on this
// machine. Other layers compare their own figures against these.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>

#include <cstdlib>

#include "ztm/crypto/hash.h"
#include "ztm/crypto/hpke.h"
#include "ztm/crypto/kem.h"
#include "ztm/crypto/random.h"
#include "ztm/crypto/signature.h"

namespace {

using namespace ztm;
using namespace ztm::crypto;

// must unwraps a setup step; a benchmark that cannot set up is a broken build.
template <class T>
T must(Result<T> r) {
  if (!r) std::abort();
  return std::move(*r);
}

void BM_Ed25519Sign(benchmark::State& state) {
  const auto key = must(SignaturePrivateKey::generate(SignatureScheme::ed25519));
  const Bytes message(64, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(key.sign(message));
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  const auto key = must(SignaturePrivateKey::generate(SignatureScheme::ed25519));
  const Bytes message(64, 0x5a);
  const Bytes signature = must(key.sign(message));
  for (auto _ : state) {
    auto r = verify(SignatureScheme::ed25519, key.public_key(), message, signature);
    if (!r) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Ed25519Verify)->Threads(1)->Threads(2);

// The floor under BM_Ed25519Verify: OpenSSL's verification alone, the key already
// imported (what verify() adds is the import and the context set-up).
void BM_Ed25519VerifyPreparedKey(benchmark::State& state) {
  const auto key = must(SignaturePrivateKey::generate(SignatureScheme::ed25519));
  const Bytes message(64, 0x5a);
  const Bytes signature = must(key.sign(message));
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.public_key().data(),
                                               key.public_key().size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (auto _ : state) {
    EVP_MD_CTX_reset(ctx);
    if (EVP_DigestVerifyInit_ex(ctx, nullptr, nullptr, nullptr, nullptr, pkey, nullptr) != 1 ||
        EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(), message.size()) !=
            1) {
      state.SkipWithError("verify failed");
    }
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
}
BENCHMARK(BM_Ed25519VerifyPreparedKey)->Threads(1)->Threads(2);

void BM_X25519Dh(benchmark::State& state) {
  const auto a = must(DhPrivateKey::generate(KemId::dhkem_x25519_sha256));
  const auto b = must(DhPrivateKey::generate(KemId::dhkem_x25519_sha256));
  for (auto _ : state) benchmark::DoNotOptimize(a.dh(b.public_key()));
}
BENCHMARK(BM_X25519Dh);

// Single-shot HPKE base mode: ephemeral key generation, Encap, key schedule and one
// 64-byte seal (MLS suite 1's HPKE: X25519, HKDF-SHA256, AES-128-GCM).
void BM_HpkeSealBase(benchmark::State& state) {
  const Hpke hpke =
      must(Hpke::create({KemId::dhkem_x25519_sha256, HashId::sha256, AeadId::aes128gcm}));
  const auto recipient = must(DhPrivateKey::generate(KemId::dhkem_x25519_sha256));
  const Bytes info(32, 1), aad(16, 2), plaintext(64, 3);
  for (auto _ : state) {
    auto sealed = hpke.seal(recipient.public_key(), info, aad, plaintext);
    if (!sealed) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(sealed);
  }
}
BENCHMARK(BM_HpkeSealBase);

void BM_HpkeDeriveKeyPair(benchmark::State& state) {
  const Hpke hpke =
      must(Hpke::create({KemId::dhkem_x25519_sha256, HashId::sha256, AeadId::aes128gcm}));
  const Bytes ikm = random_bytes(32);
  for (auto _ : state) benchmark::DoNotOptimize(hpke.derive_key_pair(ikm));
}
BENCHMARK(BM_HpkeDeriveKeyPair);

void BM_Sha256(benchmark::State& state) {
  const Bytes data(static_cast<std::size_t>(state.range(0)), 0xa5);
  for (auto _ : state) benchmark::DoNotOptimize(hash(HashId::sha256, data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha256)->Arg(1024);

}  // namespace
