// Cryptographically secure randomness from OpenSSL's DRBG.
#pragma once

#include <cstddef>

#include "ztm/base/bytes.h"
#include "ztm/base/secret.h"

namespace ztm::crypto {

// random_fill fills out with random bytes. OpenSSL's DRBG failing is not
// recoverable (no safe key can be made), so it aborts the process.
void random_fill(MutableByteView out);
Bytes random_bytes(std::size_t size);
SecretBytes random_secret(std::size_t size);

}  // namespace ztm::crypto
