// DHKEM (RFC 9180 §4.1) and its DeriveKeyPair (§7.1.3) over DhPrivateKey.
#include "internal/hpke_labeled.h"

#include <algorithm>

namespace ztm::crypto::internal {

namespace {

// ExtractAndExpand(dh, kem_context):
//   eae_prk = LabeledExtract("", "eae_prk", dh)
//   shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
Result<SecretBytes> extract_and_expand(KemId kem, ByteView dh, ByteView kem_context) {
  const Bytes suite_id = kem_suite_id(kem);
  const HashId kdf = kem_kdf(kem);
  const SecretBytes eae_prk = labeled_extract(kdf, suite_id, {}, "eae_prk", dh);
  return labeled_expand(kdf, suite_id, eae_prk.expose(), "shared_secret", kem_context,
                        kem_secret_size(kem));
}

// concat_secrets joins DH outputs in a zeroizing buffer.
SecretBytes concat_secrets(const SecretBytes& a, const SecretBytes& b) {
  SecretBytes out(a.size() + b.size());
  auto it = std::copy(a.expose().begin(), a.expose().end(), out.mutable_data().begin());
  std::copy(b.expose().begin(), b.expose().end(), it);
  return out;
}

Result<void> check_kem(KemId kem, const DhPrivateKey& key, std::string_view role) {
  if (key.kem() != kem) {
    return fail(Errc::invalid_key, std::string(role) + " key is for a different KEM");
  }
  return ok();
}

}  // namespace

Result<HpkeEncapsulation> dhkem_encap(KemId kem, ByteView pkR, const DhPrivateKey& skE,
                                      const DhPrivateKey* skS) {
  ZTM_TRY(check_kem(kem, skE, "ephemeral"));
  ZTM_TRY_ASSIGN(SecretBytes dh, skE.dh(pkR));
  const Bytes& enc = skE.public_key();
  Bytes kem_context = concat({enc, pkR});
  if (skS != nullptr) {
    ZTM_TRY(check_kem(kem, *skS, "sender"));
    ZTM_TRY_ASSIGN(SecretBytes dh_static, skS->dh(pkR));
    dh = concat_secrets(dh, dh_static);
    append(kem_context, skS->public_key());
  }
  ZTM_TRY_ASSIGN(SecretBytes shared_secret, extract_and_expand(kem, dh.expose(), kem_context));
  return HpkeEncapsulation{std::move(shared_secret), enc};
}

Result<SecretBytes> dhkem_decap(KemId kem, ByteView enc, const DhPrivateKey& skR,
                                const Bytes* pkS) {
  ZTM_TRY(check_kem(kem, skR, "recipient"));
  ZTM_TRY_ASSIGN(SecretBytes dh, skR.dh(enc));
  Bytes kem_context = concat({enc, skR.public_key()});
  if (pkS != nullptr) {
    ZTM_TRY_ASSIGN(SecretBytes dh_static, skR.dh(*pkS));
    dh = concat_secrets(dh, dh_static);
    append(kem_context, *pkS);
  }
  return extract_and_expand(kem, dh.expose(), kem_context);
}

Result<DhPrivateKey> dhkem_derive_key_pair(KemId kem, ByteView ikm) {
  const Bytes suite_id = kem_suite_id(kem);
  const HashId kdf = kem_kdf(kem);
  const std::size_t nsk = kem_private_key_size(kem);
  if (nsk == 0) return fail(Errc::unsupported, "DeriveKeyPair: unknown KEM");
  const SecretBytes dkp_prk = labeled_extract(kdf, suite_id, {}, "dkp_prk", ikm);
  if (kem == KemId::dhkem_x25519_sha256 || kem == KemId::dhkem_x448_sha512) {
    ZTM_TRY_ASSIGN(SecretBytes sk, labeled_expand(kdf, suite_id, dkp_prk.expose(), "sk", {}, nsk));
    return DhPrivateKey::from_raw(kem, sk.expose());
  }
  // NIST curves: rejection sampling until the candidate is a scalar in [1, n-1].
  const std::uint8_t bitmask = kem == KemId::dhkem_p521_sha512 ? 0x01 : 0xff;
  for (unsigned counter = 0; counter <= 255; ++counter) {
    const std::uint8_t counter_byte = static_cast<std::uint8_t>(counter);
    ZTM_TRY_ASSIGN(SecretBytes candidate,
                   labeled_expand(kdf, suite_id, dkp_prk.expose(), "candidate",
                                  ByteView(&counter_byte, 1), nsk));
    candidate.mutable_data()[0] &= bitmask;
    auto key = DhPrivateKey::from_raw(kem, candidate.expose());
    if (key) return key;
    if (key.error().code != Errc::invalid_key) return key;
  }
  return fail(Errc::crypto_failure, "DeriveKeyPairError: no valid candidate in 256 tries");
}

}  // namespace ztm::crypto::internal
