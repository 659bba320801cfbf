// Digital signatures over OpenSSL 3 EVP, with the key and signature encodings of
// RFC 9420 §5.1: Ed25519/Ed448 keys and signatures raw (RFC 8032); ECDSA public keys
// as uncompressed points, private keys as the raw big-endian scalar, and signatures
// DER-encoded (as in TLS 1.3).
#pragma once

#include <cstdint>
#include <memory>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace ztm::crypto {

// SignatureScheme uses the TLS 1.3 SignatureScheme code points (RFC 8446 §4.2.3).
enum class SignatureScheme : std::uint16_t {
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
  ed25519 = 0x0807,
  ed448 = 0x0808,
};

std::string_view signature_scheme_name(SignatureScheme s);

// SignaturePrivateKey owns a signing key. Its private part never leaves except
// through the explicit export calls below.
class SignaturePrivateKey {
 public:
  static Result<SignaturePrivateKey> generate(SignatureScheme scheme);
  // from_raw imports the RFC 9420 private key encoding (Ed seed, or ECDSA scalar).
  static Result<SignaturePrivateKey> from_raw(SignatureScheme scheme, ByteView raw);
  // from_pkcs8_der imports an unencrypted PKCS#8 PrivateKeyInfo; the scheme is
  // inferred from the key type (ECDSA curve or EdDSA variant).
  static Result<SignaturePrivateKey> from_pkcs8_der(ByteView der);

  ~SignaturePrivateKey();
  SignaturePrivateKey(SignaturePrivateKey&&) noexcept;
  SignaturePrivateKey& operator=(SignaturePrivateKey&&) noexcept;
  // copy shares the immutable OpenSSL key (reference counted).
  SignaturePrivateKey(const SignaturePrivateKey&);
  SignaturePrivateKey& operator=(const SignaturePrivateKey&);

  SignatureScheme scheme() const;
  // public_key is the RFC 9420 encoding of the public half.
  const Bytes& public_key() const;
  // sign signs message (the scheme's hash is applied for ECDSA; EdDSA is pure).
  Result<Bytes> sign(ByteView message) const;

  // export_raw returns the RFC 9420 private key encoding.
  Result<SecretBytes> export_raw() const;
  // export_pkcs8_der returns an unencrypted PKCS#8 PrivateKeyInfo.
  Result<SecretBytes> export_pkcs8_der() const;

  // evp_pkey lends the OpenSSL key to code that must hand it to OpenSSL X509/CSR
  // APIs (the identity layer). The pointer lives as long as this object.
  evp_pkey_st* evp_pkey() const;

 private:
  SignaturePrivateKey() = default;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// verify checks signature over message with a public key in the RFC 9420 encoding.
// A wrong signature is authentication_failed; a malformed key is invalid_key.
Result<void> verify(SignatureScheme scheme, ByteView public_key, ByteView message,
                    ByteView signature);

// public_key_from_evp encodes an OpenSSL public key (e.g. from an X.509 certificate)
// in the RFC 9420 form for its scheme, and says which scheme that is.
struct EncodedPublicKey {
  SignatureScheme scheme;
  Bytes public_key;
};
Result<EncodedPublicKey> public_key_from_evp(const evp_pkey_st* key);

}  // namespace ztm::crypto
