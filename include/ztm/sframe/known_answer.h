// Known-answer checks of SFrame's AEAD (RFC 9605 §4.5, Appendix C.2). The AEAD
// takes a nonce, so it is not offered for encryption: the contexts own their
// nonces. These checks run it on given inputs and only compare, for the official
// test vectors and self-tests.
#pragma once

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/sframe/cipher_suite.h"

namespace ztm::sframe {

// check_aead_known_answer verifies, for the suite's AEAD with key (AEAD.Nk bytes):
//   AEAD.Encrypt(key, nonce, aad, pt) == ct,
//   AEAD.Decrypt(key, nonce, aad, ct) == pt,
//   and that AEAD.Decrypt fails with authentication_failed once ct's last byte is
//   flipped. Returns the first mismatch as an invalid_encoding error.
Result<void> check_aead_known_answer(CipherSuite suite, ByteView key, ByteView nonce, ByteView aad,
                                     ByteView pt, ByteView ct);

}  // namespace ztm::sframe
