// The two checksums STUN uses: HMAC-SHA1 for MESSAGE-INTEGRITY (RFC 8489 §14.5) and
// CRC-32 for FINGERPRINT (§14.7). ztm::crypto offers only the SHA-2 family, and
// SHA-1 belongs to STUN alone, so it stays private to this layer.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::net::internal {

// hmac_sha1 is HMAC-SHA1(key, concatenation of parts) through OpenSSL's EVP_MAC.
Result<std::array<std::uint8_t, 20>> hmac_sha1(ByteView key, std::initializer_list<ByteView> parts);

// crc32 is the CRC-32 of ISO 3309 / ITU-T V.42 over the concatenation of parts (zlib).
std::uint32_t crc32(std::initializer_list<ByteView> parts);

}  // namespace ztm::net::internal
