#include "ztm/sframe/known_answer.h"

#include <vector>

#include "internal/frame_key.h"

namespace ztm::sframe {

Result<void> check_aead_known_answer(CipherSuite suite, ByteView key, ByteView nonce, ByteView aad,
                                     ByteView pt, ByteView ct) {
  ZTM_TRY_ASSIGN(const SuiteInfo info, suite_info(suite));
  if (nonce.size() != info.nn) return fail(Errc::invalid_argument, "sframe.kat: nonce size");
  // The salt is unused: the nonce is given. FrameKey::seal takes the AAD as
  // header || metadata; a known-answer AAD is passed whole as the "metadata".
  const Bytes zero_salt(info.nn, 0);
  ZTM_TRY_ASSIGN(const auto k, internal::FrameKey::from_key_salt(suite, key, zero_salt));
  Bytes sealed(pt.size() + info.nt);
  ZTM_TRY(k.seal(nonce, {}, aad, pt, sealed));
  if (!equal(sealed, ct)) {
    return fail(Errc::invalid_encoding, "sframe.kat: AEAD.Encrypt gave " + to_hex(sealed));
  }
  Bytes opened(ct.size() < info.nt ? 0 : ct.size() - info.nt);
  ZTM_TRY(k.open(nonce, {}, aad, ct, opened));
  if (!equal(opened, pt)) {
    return fail(Errc::invalid_encoding, "sframe.kat: AEAD.Decrypt gave " + to_hex(opened));
  }
  Bytes tampered(ct.begin(), ct.end());
  if (!tampered.empty()) tampered.back() ^= 0x01;
  auto forged = k.open(nonce, {}, aad, tampered, opened);
  if (forged || forged.error().code != Errc::authentication_failed) {
    return fail(Errc::invalid_encoding, "sframe.kat: AEAD.Decrypt accepted a flipped tag bit");
  }
  return ok();
}

}  // namespace ztm::sframe
