// Diffie-Hellman key pairs for the HPKE DHKEMs (RFC 9180 §4.1, §7.1) with HPKE's
// SerializePublicKey/SerializePrivateKey encodings.
#include "ztm/crypto/kem.h"

#include <openssl/crypto.h>

#include "internal/key_format.h"

namespace ztm::crypto {

using internal::PkeyPtr;

namespace {

// KemInfo's fields are ordered largest first to avoid padding.
struct KemInfo {
  internal::KeyFormat format;
  std::size_t public_size;   // Npk
  std::size_t private_size;  // Nsk
  std::size_t secret_size;   // Nsecret
  KemId id;
};

// RFC 9180 §7.1, Table 2.
const KemInfo kKems[] = {
    {{"P-256", &internal::kP256, 0, nullptr, 0}, 65, 32, 32, KemId::dhkem_p256_sha256},
    {{"P-384", &internal::kP384, 0, nullptr, 0}, 97, 48, 48, KemId::dhkem_p384_sha384},
    {{"P-521", &internal::kP521, 0, nullptr, 0}, 133, 66, 64, KemId::dhkem_p521_sha512},
    {{"X25519", nullptr, 32, "X25519", EVP_PKEY_X25519}, 32, 32, 32, KemId::dhkem_x25519_sha256},
    {{"X448", nullptr, 56, "X448", EVP_PKEY_X448}, 56, 56, 64, KemId::dhkem_x448_sha512},
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

struct DhPrivateKey::Impl : internal::KeyImpl<KemInfo> {};

Result<DhPrivateKey> DhPrivateKey::generate(KemId kem) {
  ZTM_TRY_ASSIGN(const KemInfo* info, kem_info(kem));
  DhPrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, internal::generate_key_impl<Impl>(*info));
  return out;
}

Result<DhPrivateKey> DhPrivateKey::from_raw(KemId kem, ByteView raw) {
  ZTM_TRY_ASSIGN(const KemInfo* info, kem_info(kem));
  DhPrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, internal::import_key_impl<Impl>(*info, raw));
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
  ZTM_TRY_ASSIGN(PkeyPtr peer, internal::import_public_key(impl_->info->format, peer_public_key));
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, impl_->key.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_PKEY_derive_init");
  }
  // validate_peer = 0: import_public_key has already checked the peer key (a NIST
  // point with EVP_PKEY_public_check; X25519/X448 have no invalid encoding of the
  // right size, and an all-zero result is rejected below). Checking again would
  // cost a second context per DH, on the path of every HPKE encryption.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) {
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
  return internal::encode_private_key(impl_->info->format, impl_->key.get());
}

Result<void> validate_public_key(KemId kem, ByteView public_key) {
  ZTM_TRY_ASSIGN(const KemInfo* info, kem_info(kem));
  ZTM_TRY(internal::import_public_key(info->format, public_key));
  return ok();
}

}  // namespace ztm::crypto
