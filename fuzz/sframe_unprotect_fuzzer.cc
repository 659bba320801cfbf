// Fuzzes SFrame decryption (src/sframe/) with attacker-chosen frames under fixed
// keys. Input layout:
//
//   byte 0: bits 0-2 suite (mod 5), bit 3 MLS context instead of plain KIDs
//   byte 1: metadata length (mod 32), then that many metadata bytes
//   rest:   the SFrame ciphertext
//
// Each input is decrypted by fresh contexts twice, into a separate buffer and in
// place; both must agree (same error code, or the same plaintext of the size the
// header implies). A success with a forged tag would need a key the fuzzer lacks,
// so successes come from the seed corpus (frames made with the same fixed keys).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ztm/sframe/context.h"
#include "ztm/sframe/mls_context.h"

namespace {

using namespace ztm;
using namespace ztm::sframe;

// The fixed keys, shared with the seed generator (see docs/fuzzing.md).
constexpr KeyId kKids[] = {0, 7, 0x1234};

SecretBytes fixed_key(std::size_t size) {
  return SecretBytes(Bytes(size, 0x5f));
}

struct Outcome {
  bool ok = false;
  Errc code{};
  Bytes plaintext;
};

Outcome decrypt(bool mls, CipherSuite suite, ByteView metadata, ByteView frame, bool in_place) {
  Outcome outcome;
  Bytes buffer(frame.begin(), frame.end());
  Bytes separate(frame.size());
  const MutableByteView out = in_place ? MutableByteView(buffer) : MutableByteView(separate);
  if (mls) {
    auto ctx = MlsContext::create(suite);
    if (!ctx) std::abort();
    const auto nk = suite_info(suite)->nk;
    // Epoch 1, four leaves, this member is leaf 3: frames from leaves 0-2 decrypt.
    if (!ctx->add_epoch(1, fixed_key(nk), 4, 3, MlsContext::TimePoint{})) std::abort();
    auto r = ctx->unprotect(buffer, metadata, out, MlsContext::TimePoint{});
    outcome.ok = r.has_value();
    if (r)
      outcome.plaintext.assign(r->plaintext.begin(), r->plaintext.end());
    else
      outcome.code = r.error().code;
    return outcome;
  }
  auto ctx = ReceiveContext::create(suite);
  if (!ctx) std::abort();
  for (KeyId kid : kKids) {
    if (!ctx->add_key(kid, fixed_key(16))) std::abort();
  }
  auto r = ctx->unprotect(buffer, metadata, out);
  outcome.ok = r.has_value();
  if (r)
    outcome.plaintext.assign(r->begin(), r->end());
  else
    outcome.code = r.error().code;
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto suite = all_cipher_suites[(data[0] & 0x07) % 5];
  const bool mls = (data[0] & 0x08) != 0;
  const std::size_t metadata_size = std::min<std::size_t>(data[1] % 32, size - 2);
  const ByteView metadata(data + 2, metadata_size);
  const ByteView frame(data + 2 + metadata_size, size - 2 - metadata_size);

  const Outcome separate = decrypt(mls, suite, metadata, frame, false);
  const Outcome in_place = decrypt(mls, suite, metadata, frame, true);
  if (separate.ok != in_place.ok) std::abort();
  if (!separate.ok) {
    if (separate.code != in_place.code) std::abort();
    return 0;
  }
  if (separate.plaintext != in_place.plaintext) std::abort();
  auto header = decode_header(frame);
  if (!header) std::abort();
  if (separate.plaintext.size() + header->size + suite_info(suite)->nt != frame.size()) {
    std::abort();
  }
  return 0;
}
