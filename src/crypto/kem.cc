// Diffie-Hellman key pairs for the HPKE DHKEMs (RFC 9180 §4.1, §7.1) with HPKE's
// SerializePublicKey/SerializePrivateKey encodings.
#include "ztm/crypto/kem.h"

#include <openssl/crypto.h>

#include "internal/ec.h"
#include "internal/openssl.h"

namespace ztm::crypto {

using internal::PkeyPtr;

namespace {

// KemInfo's fields are ordered largest first to avoid padding.
struct KemInfo {
  const internal::EcCurve* curve;  // NIST curves; nullptr for X25519/X448
  std::size_t public_size;         // Npk
  std::size_t private_size;        // Nsk
  std::size_t secret_size;         // Nsecret
  int x_type;                      // EVP_PKEY_X25519/X448
  KemId id;
};

// RFC 9180 §7.1, Table 2.
const KemInfo kKems[] = {
    {&internal::kP256, 65, 32, 32, 0, KemId::dhkem_p256_sha256},
    {&internal::kP384, 97, 48, 48, 0, KemId::dhkem_p384_sha384},
    {&internal::kP521, 133, 66, 64, 0, KemId::dhkem_p521_sha512},
    {nullptr, 32, 32, 32, EVP_PKEY_X25519, KemId::dhkem_x25519_sha256},
    {nullptr, 56, 56, 64, EVP_PKEY_X448, KemId::dhkem_x448_sha512},
};

const KemInfo* find_kem(KemId id) {
  for (const auto& k : kKems) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Result<const KemInfo*> kem_info(KemId id) {
  if (const KemInfo* k = find_kem(id)) return k;
  return fail(Errc::unsupported, "KEM " + std::to_string(static_cast<int>(id)));
}

Result<PkeyPtr> import_public(const KemInfo& info, ByteView public_key) {
  if (info.curve != nullptr) return internal::ec_public_key(*info.curve, public_key);
  if (public_key.size() != info.public_size) {
    return fail(Errc::invalid_key, "DH public key has the wrong size");
  }
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(info.x_type, nullptr, public_key.data(), public_key.size()));
  if (!key) return internal::openssl_fail(Errc::invalid_key, "DH public key import");
  return key;
}

Result<Bytes> encode_public(const KemInfo& info, const EVP_PKEY* key) {
  if (info.curve != nullptr) return internal::ec_encode_public(*info.curve, key);
  Bytes out(info.public_size);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &len) != 1 || len != out.size()) {
    return internal::openssl_fail(Errc::crypto_failure, "DH public key export");
  }
  return out;
}

}  // namespace

std::size_t kem_public_key_size(KemId id) {
  const KemInfo* k = find_kem(id);
  return k ? k->public_size : 0;
}

std::size_t kem_private_key_size(KemId id) {
  const KemInfo* k = find_kem(id);
  return k ? k->private_size : 0;
}

std::size_t kem_secret_size(KemId id) {
  const KemInfo* k = find_kem(id);
  return k ? k->secret_size : 0;
}

struct DhPrivateKey::Impl {
  const KemInfo* info;
  PkeyPtr key;
  Bytes public_key;
};

namespace {

// make_impl is a template so that only the member functions calling it name the
// private Impl type.
template <class Impl>
Result<std::shared_ptr<const Impl>> make_impl(const KemInfo& info, PkeyPtr key) {
  auto impl = std::make_shared<Impl>();
  impl->info = &info;
  ZTM_TRY_ASSIGN(impl->public_key, encode_public(info, key.get()));
  impl->key = std::move(key);
  return impl;
}

}  // namespace

Result<DhPrivateKey> DhPrivateKey::generate(KemId kem) {
  ZTM_TRY_ASSIGN(const KemInfo* info, kem_info(kem));
  PkeyPtr key;
  if (info->curve != nullptr) {
    ZTM_TRY_ASSIGN(key, internal::ec_generate(*info->curve));
  } else {
    key.reset(
        EVP_PKEY_Q_keygen(nullptr, nullptr, info->x_type == EVP_PKEY_X25519 ? "X25519" : "X448"));
    if (!key) return internal::openssl_fail(Errc::crypto_failure, "DH key generation");
  }
  DhPrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, make_impl<Impl>(*info, std::move(key)));
  return out;
}

Result<DhPrivateKey> DhPrivateKey::from_raw(KemId kem, ByteView raw) {
  ZTM_TRY_ASSIGN(const KemInfo* info, kem_info(kem));
  PkeyPtr key;
  if (info->curve != nullptr) {
    ZTM_TRY_ASSIGN(key, internal::ec_private_key(*info->curve, raw));
  } else {
    if (raw.size() != info->private_size) {
      return fail(Errc::invalid_key, "DH private key has the wrong size");
    }
    key.reset(EVP_PKEY_new_raw_private_key(info->x_type, nullptr, raw.data(), raw.size()));
    if (!key) return internal::openssl_fail(Errc::invalid_key, "DH private key import");
  }
  DhPrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, make_impl<Impl>(*info, std::move(key)));
  return out;
}

DhPrivateKey::~DhPrivateKey() = default;
DhPrivateKey::DhPrivateKey(DhPrivateKey&&) noexcept = default;
DhPrivateKey& DhPrivateKey::operator=(DhPrivateKey&&) noexcept = default;
DhPrivateKey::DhPrivateKey(const DhPrivateKey&) = default;
DhPrivateKey& DhPrivateKey::operator=(const DhPrivateKey&) = default;

KemId DhPrivateKey::kem() const {
  return impl_->info->id;
}

const Bytes& DhPrivateKey::public_key() const {
  return impl_->public_key;
}

Result<SecretBytes> DhPrivateKey::dh(ByteView peer_public_key) const {
  if (!impl_) return fail(Errc::invalid_state, "DhPrivateKey: moved-from");
  ZTM_TRY_ASSIGN(PkeyPtr peer, import_public(*impl_->info, peer_public_key));
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->key.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_PKEY_derive_init");
  }
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 1) != 1) {
    return internal::openssl_fail(Errc::invalid_key, "DH: peer public key rejected");
  }
  std::size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_PKEY_derive (size)");
  }
  SecretBytes secret(len);
  // OpenSSL itself fails X25519/X448 when the result is all zeros (a small-order
  // peer point); either way that is the peer's key being invalid.
  if (EVP_PKEY_derive(ctx.get(), secret.mutable_data().data(), &len) != 1) {
    return internal::openssl_fail(Errc::invalid_key, "DH: derivation failed");
  }
  if (len != secret.size()) return fail(Errc::crypto_failure, "DH: unexpected secret size");
  // RFC 9180 §7.1.4: an all-zero X25519/X448 output must be rejected. Checked here
  // too, in constant time, so that the rule does not depend on OpenSSL's version.
  std::uint8_t acc = 0;
  for (std::uint8_t b : secret.expose()) acc |= b;
  if (acc == 0) return fail(Errc::invalid_key, "DH: all-zero shared secret");
  return secret;
}

Result<SecretBytes> DhPrivateKey::export_raw() const {
  if (!impl_) return fail(Errc::invalid_state, "DhPrivateKey: moved-from");
  if (impl_->info->curve != nullptr) {
    return internal::ec_encode_private(*impl_->info->curve, impl_->key.get());
  }
  SecretBytes out(impl_->info->private_size);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(impl_->key.get(), out.mutable_data().data(), &len) != 1 ||
      len != out.size()) {
    return internal::openssl_fail(Errc::crypto_failure, "DH private key export");
  }
  return out;
}

Result<void> validate_public_key(KemId kem, ByteView public_key) {
  ZTM_TRY_ASSIGN(const KemInfo* info, kem_info(kem));
  ZTM_TRY(import_public(*info, public_key));
  return ok();
}

}  // namespace ztm::crypto
