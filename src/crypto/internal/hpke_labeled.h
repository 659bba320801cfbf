// Private HPKE building blocks (RFC 9180 §4): suite identifiers and the labeled
// HKDF functions that bind every derivation to the protocol version and suite.
#pragma once

#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/hash.h"
#include "ztm/crypto/hpke.h"
#include "ztm/crypto/kem.h"

namespace ztm::crypto::internal {

// kem_suite_id is "KEM" || I2OSP(kem_id, 2) (§4.1).
Bytes kem_suite_id(KemId kem);
// hpke_suite_id is "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2) (§5.1).
Bytes hpke_suite_id(const HpkeSuite& suite);
// kem_kdf is the KDF a DHKEM uses internally (§7.1, Table 2).
HashId kem_kdf(KemId kem);

// labeled_extract is LabeledExtract(salt, label, ikm):
//   Extract(salt, "HPKE-v1" || suite_id || label || ikm)
SecretBytes labeled_extract(HashId kdf, ByteView suite_id, ByteView salt, std::string_view label,
                            ByteView ikm);

// labeled_expand is LabeledExpand(prk, label, info, L):
//   Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)
Result<SecretBytes> labeled_expand(HashId kdf, ByteView suite_id, ByteView prk,
                                   std::string_view label, ByteView info, std::size_t length);

// DHKEM (§4.1). skE is the ephemeral key; skS (auth modes) the sender's key.
Result<HpkeEncapsulation> dhkem_encap(KemId kem, ByteView pkR, const DhPrivateKey& skE,
                                      const DhPrivateKey* skS);
// pkS is the sender's public key in auth modes, otherwise nullptr.
Result<SecretBytes> dhkem_decap(KemId kem, ByteView enc, const DhPrivateKey& skR, const Bytes* pkS);
// dhkem_derive_key_pair is DeriveKeyPair(ikm) (§7.1.3).
Result<DhPrivateKey> dhkem_derive_key_pair(KemId kem, ByteView ikm);

}  // namespace ztm::crypto::internal
