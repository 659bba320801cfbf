// KeyFormat: how one asymmetric algorithm's keys are imported, generated and
// encoded, shared by the DHKEMs (kem.cc) and the signature schemes (signature.cc),
// which use the same two families of encodings:
// - the NIST curves: SEC1 uncompressed points and padded scalars (internal/ec.h);
// - the "raw" OpenSSL key types X25519, X448 (RFC 7748 §5) and Ed25519, Ed448
//   (RFC 8032 §5.1.5, §5.2.5), whose public and private keys are byte strings of one
//   fixed size.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "internal/ec.h"
#include "internal/openssl.h"
#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"

namespace ztm::crypto::internal {

// KeyFormat's fields are ordered largest first to avoid padding.
struct KeyFormat {
  std::string_view name;   // for messages: "ed25519", "X25519", "P-256"
  const EcCurve* curve;    // a NIST curve, or nullptr for a raw key type
  std::size_t raw_size;    // raw types: the size of public and private keys
  const char* raw_keygen;  // raw types: OpenSSL's name for EVP_PKEY_Q_keygen
  int raw_type;            // raw types: EVP_PKEY_X25519, _X448, _ED25519, _ED448
};

// import_public_key imports an encoded public key; a wrong size or an invalid point
// is invalid_key.
Result<PkeyPtr> import_public_key(const KeyFormat& format, ByteView public_key);

// import_private_key imports an encoded private key (the public key is derived);
// a wrong size or an out-of-range scalar is invalid_key.
Result<PkeyPtr> import_private_key(const KeyFormat& format, ByteView private_key);

// generate_key makes a fresh key pair.
Result<PkeyPtr> generate_key(const KeyFormat& format);

// encode_public_key and encode_private_key are the inverse of the imports.
Result<Bytes> encode_public_key(const KeyFormat& format, const EVP_PKEY* key);
Result<SecretBytes> encode_private_key(const KeyFormat& format, const EVP_PKEY* key);

// KeyImpl is the shared state of a private-key class: its algorithm info (which has
// a KeyFormat `format`), the OpenSSL key and the encoded public key.
template <class Info>
struct KeyImpl {
  const Info* info = nullptr;
  PkeyPtr key;
  Bytes public_key;
};

// make_key_impl builds the shared state of a private-key class (SignaturePrivateKey,
// DhPrivateKey): its algorithm info (which has a KeyFormat `format`), the OpenSSL
// key and the key's encoded public half. A template, so that only the classes'
// member functions name their private Impl types.
template <class Impl, class Info>
Result<std::shared_ptr<const Impl>> make_key_impl(const Info& info, PkeyPtr key) {
  auto impl = std::make_shared<Impl>();
  impl->info = &info;
  ZTM_TRY_ASSIGN(impl->public_key, encode_public_key(info.format, key.get()));
  impl->key = std::move(key);
  return impl;
}

// generate_key_impl and import_key_impl are make_key_impl of a fresh key and of an
// encoded private key.
template <class Impl, class Info>
Result<std::shared_ptr<const Impl>> generate_key_impl(const Info& info) {
  ZTM_TRY_ASSIGN(PkeyPtr key, generate_key(info.format));
  return make_key_impl<Impl>(info, std::move(key));
}
template <class Impl, class Info>
Result<std::shared_ptr<const Impl>> import_key_impl(const Info& info, ByteView private_key) {
  ZTM_TRY_ASSIGN(PkeyPtr key, import_private_key(info.format, private_key));
  return make_key_impl<Impl>(info, std::move(key));
}

}  // namespace ztm::crypto::internal
