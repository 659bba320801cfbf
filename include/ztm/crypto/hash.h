// Hash functions, HMAC and HKDF (RFC 5869) over OpenSSL 3 EVP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::crypto {

// HashId names a hash function. The values are the HPKE KDF ids of the matching
// HKDF (RFC 9180 §7.2), so one enum serves as both hash and KDF identifier.
enum class HashId : std::uint16_t {
  sha256 = 0x0001,
  sha384 = 0x0002,
  sha512 = 0x0003,
};

// hash_size is the output length in bytes (32, 48, 64).
std::size_t hash_size(HashId id);

// hash computes the digest of data in one call.
Bytes hash(HashId id, ByteView data);

// Hasher computes a digest incrementally; it may be reused after finish().
class Hasher {
 public:
  explicit Hasher(HashId id);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  void update(ByteView data);
  // finish returns the digest and resets the hasher for the next message.
  Bytes finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// hmac computes HMAC(key, data) in one call.
Bytes hmac(HashId id, ByteView key, ByteView data);

// HmacKey is an HMAC keyed once and reused for many messages: the hot path of
// SFrame's AES-CTR-HMAC suites. Each mac() re-initializes the keyed context without
// re-deriving the key; OpenSSL 3.0 still copies HMAC's two digest states per
// message (two small allocations inside OpenSSL, see alloc_test.cc).
class HmacKey {
 public:
  // create fails only if OpenSSL cannot set up the MAC.
  static Result<HmacKey> create(HashId id, ByteView key);
  ~HmacKey();
  HmacKey(HmacKey&&) noexcept;
  HmacKey& operator=(HmacKey&&) noexcept;

  // mac writes HMAC over the concatenation of the parts into out (at least
  // hash_size bytes) and returns the written span.
  Result<MutableByteView> mac(std::initializer_list<ByteView> parts, MutableByteView out) const;
  std::size_t size() const;

 private:
  HmacKey() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// hkdf_extract is HKDF-Extract(salt, ikm) (RFC 5869 §2.2).
SecretBytes hkdf_extract(HashId id, ByteView salt, ByteView ikm);

// hkdf_expand is HKDF-Expand(prk, info, length) (RFC 5869 §2.3); length may be at
// most 255 * hash_size.
Result<SecretBytes> hkdf_expand(HashId id, ByteView prk, ByteView info, std::size_t length);

}  // namespace ztm::crypto
