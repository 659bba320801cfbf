// Randomness from OpenSSL's DRBG (RAND_bytes).
#include "ztm/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>

#include "internal/openssl.h"

namespace ztm::crypto {

void random_fill(MutableByteView out) {
  // RAND_bytes takes an int length; fill large buffers in chunks.
  constexpr std::size_t kChunk = 1u << 30;
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t n = std::min(kChunk, out.size() - done);
    if (RAND_bytes(out.data() + done, static_cast<int>(n)) != 1) internal::fatal("RAND_bytes");
    done += n;
  }
}

Bytes random_bytes(std::size_t size) {
  Bytes out(size);
  random_fill(out);
  return out;
}

SecretBytes random_secret(std::size_t size) {
  SecretBytes out(size);
  random_fill(out.mutable_data());
  return out;
}

}  // namespace ztm::crypto
