#include "internal/hpke_labeled.h"

#include <algorithm>

namespace ztm::crypto::internal {

namespace {

constexpr std::string_view kVersionLabel = "HPKE-v1";

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

Bytes kem_suite_id(KemId kem) {
  Bytes id = to_bytes("KEM");
  put_u16(id, static_cast<std::uint16_t>(kem));
  return id;
}

Bytes hpke_suite_id(const HpkeSuite& suite) {
  Bytes id = to_bytes("HPKE");
  put_u16(id, static_cast<std::uint16_t>(suite.kem));
  put_u16(id, static_cast<std::uint16_t>(suite.kdf));
  put_u16(id, static_cast<std::uint16_t>(suite.aead));
  return id;
}

HashId kem_kdf(KemId kem) {
  switch (kem) {
    case KemId::dhkem_p256_sha256:
    case KemId::dhkem_x25519_sha256:
      return HashId::sha256;
    case KemId::dhkem_p384_sha384:
      return HashId::sha384;
    case KemId::dhkem_p521_sha512:
    case KemId::dhkem_x448_sha512:
      return HashId::sha512;
  }
  return HashId::sha256;
}

SecretBytes labeled_extract(HashId kdf, ByteView suite_id, ByteView salt, std::string_view label,
                            ByteView ikm) {
  // The labeled IKM carries the secret, so it is built in a zeroizing buffer.
  SecretBytes labeled_ikm(kVersionLabel.size() + suite_id.size() + label.size() + ikm.size());
  auto out = labeled_ikm.mutable_data().begin();
  for (ByteView part : {as_bytes(kVersionLabel), suite_id, as_bytes(label), ikm}) {
    out = std::copy(part.begin(), part.end(), out);
  }
  return hkdf_extract(kdf, salt, labeled_ikm.expose());
}

Result<SecretBytes> labeled_expand(HashId kdf, ByteView suite_id, ByteView prk,
                                   std::string_view label, ByteView info, std::size_t length) {
  if (length > 0xffff) return fail(Errc::invalid_argument, "LabeledExpand: L above 2^16 - 1");
  Bytes labeled_info;
  labeled_info.reserve(2 + kVersionLabel.size() + suite_id.size() + label.size() + info.size());
  put_u16(labeled_info, static_cast<std::uint16_t>(length));
  for (ByteView part : {as_bytes(kVersionLabel), suite_id, as_bytes(label), info}) {
    append(labeled_info, part);
  }
  return hkdf_expand(kdf, prk, labeled_info, length);
}

}  // namespace ztm::crypto::internal
