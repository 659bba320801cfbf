// Signatures over EVP_DigestSign/EVP_DigestVerify with the RFC 9420 §5.1 key
// encodings. EdDSA keys are raw (RFC 8032); ECDSA keys go through internal/ec.
#include "ztm/crypto/signature.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "internal/key_format.h"

namespace ztm::crypto {

using internal::PkeyPtr;

namespace {

// SchemeInfo's fields are ordered largest first to avoid padding.
struct SchemeInfo {
  internal::KeyFormat format;  // format.name is the scheme's name
  SignatureScheme scheme;
  HashId hash;  // ECDSA only
};

const SchemeInfo kSchemes[] = {
    {{"ecdsa_secp256r1_sha256", &internal::kP256, 0, nullptr, 0},
     SignatureScheme::ecdsa_secp256r1_sha256,
     HashId::sha256},
    {{"ecdsa_secp384r1_sha384", &internal::kP384, 0, nullptr, 0},
     SignatureScheme::ecdsa_secp384r1_sha384,
     HashId::sha384},
    {{"ecdsa_secp521r1_sha512", &internal::kP521, 0, nullptr, 0},
     SignatureScheme::ecdsa_secp521r1_sha512,
     HashId::sha512},
    {{"ed25519", nullptr, 32, "ED25519", EVP_PKEY_ED25519},
     SignatureScheme::ed25519,
     HashId::sha256},
    {{"ed448", nullptr, 57, "ED448", EVP_PKEY_ED448}, SignatureScheme::ed448, HashId::sha256},
};

// is_ecdsa says whether the scheme signs a digest (ECDSA) rather than the message
// itself (EdDSA, RFC 8032).
bool is_ecdsa(const SchemeInfo& info) {
  return info.format.curve != nullptr;
}

Result<const SchemeInfo*> scheme_info(SignatureScheme s) {
  for (const auto& info : kSchemes) {
    if (info.scheme == s) return &info;
  }
  return fail(Errc::unsupported, "signature scheme " + std::to_string(static_cast<int>(s)));
}

// scheme_of infers the scheme from an OpenSSL key's type and curve.
Result<const SchemeInfo*> scheme_of(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return scheme_info(SignatureScheme::ed25519);
  if (EVP_PKEY_is_a(key, "ED448")) return scheme_info(SignatureScheme::ed448);
  if (const internal::EcCurve* curve = internal::ec_curve_of(key)) {
    for (const auto& info : kSchemes) {
      if (info.format.curve == curve) return &info;
    }
  }
  return fail(Errc::unsupported, "key type has no supported signature scheme");
}

}  // namespace

std::string_view signature_scheme_name(SignatureScheme s) {
  auto info = scheme_info(s);
  return info ? (*info)->format.name : std::string_view("unknown");
}

struct SignaturePrivateKey::Impl : internal::KeyImpl<SchemeInfo> {};

Result<SignaturePrivateKey> SignaturePrivateKey::generate(SignatureScheme scheme) {
  ZTM_TRY_ASSIGN(const SchemeInfo* info, scheme_info(scheme));
  SignaturePrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, internal::generate_key_impl<Impl>(*info));
  return out;
}

Result<SignaturePrivateKey> SignaturePrivateKey::from_raw(SignatureScheme scheme, ByteView raw) {
  ZTM_TRY_ASSIGN(const SchemeInfo* info, scheme_info(scheme));
  SignaturePrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, internal::import_key_impl<Impl>(*info, raw));
  return out;
}

Result<SignaturePrivateKey> SignaturePrivateKey::from_pkcs8_der(ByteView der) {
  if (!internal::fits_int(der.size())) return fail(Errc::invalid_argument, "PKCS#8: too large");
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())),
      &PKCS8_PRIV_KEY_INFO_free);
  if (!p8) return internal::openssl_fail(Errc::invalid_encoding, "PKCS#8: not a PrivateKeyInfo");
  if (p != der.data() + der.size()) return fail(Errc::trailing_data, "PKCS#8: trailing bytes");
  PkeyPtr key(EVP_PKCS82PKEY(p8.get()));
  if (!key) return internal::openssl_fail(Errc::invalid_key, "PKCS#8: key not usable");
  ZTM_TRY_ASSIGN(const SchemeInfo* info, scheme_of(key.get()));
  SignaturePrivateKey out;
  ZTM_TRY_ASSIGN(out.impl_, internal::make_key_impl<Impl>(*info, std::move(key)));
  return out;
}

SignaturePrivateKey::~SignaturePrivateKey() = default;
SignaturePrivateKey::SignaturePrivateKey(SignaturePrivateKey&&) noexcept = default;
SignaturePrivateKey& SignaturePrivateKey::operator=(SignaturePrivateKey&&) noexcept = default;
SignaturePrivateKey::SignaturePrivateKey(const SignaturePrivateKey&) = default;
SignaturePrivateKey& SignaturePrivateKey::operator=(const SignaturePrivateKey&) = default;

SignatureScheme SignaturePrivateKey::scheme() const {
  return impl_->info->scheme;
}

const Bytes& SignaturePrivateKey::public_key() const {
  return impl_->public_key;
}

evp_pkey_st* SignaturePrivateKey::evp_pkey() const {
  return impl_->key.get();
}

Result<Bytes> SignaturePrivateKey::sign(ByteView message) const {
  if (!impl_) return fail(Errc::invalid_state, "SignaturePrivateKey: moved-from");
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr,
                            is_ecdsa(*impl_->info) ? internal::md_name(impl_->info->hash) : nullptr,
                            nullptr, nullptr, impl_->key.get(), nullptr) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_DigestSignInit");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_DigestSign (size)");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_DigestSign");
  }
  sig.resize(len);  // a DER ECDSA signature may be shorter than the maximum
  return sig;
}

Result<SecretBytes> SignaturePrivateKey::export_raw() const {
  if (!impl_) return fail(Errc::invalid_state, "SignaturePrivateKey: moved-from");
  return internal::encode_private_key(impl_->info->format, impl_->key.get());
}

Result<SecretBytes> SignaturePrivateKey::export_pkcs8_der() const {
  if (!impl_) return fail(Errc::invalid_state, "SignaturePrivateKey: moved-from");
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
      EVP_PKEY2PKCS8(impl_->key.get()), &PKCS8_PRIV_KEY_INFO_free);
  if (!p8) return internal::openssl_fail(Errc::crypto_failure, "EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  const int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (len <= 0) return internal::openssl_fail(Errc::crypto_failure, "i2d_PKCS8_PRIV_KEY_INFO");
  SecretBytes out(ByteView(der, static_cast<std::size_t>(len)));
  OPENSSL_clear_free(der, static_cast<std::size_t>(len));
  return out;
}

Result<void> verify(SignatureScheme scheme, ByteView public_key, ByteView message,
                    ByteView signature) {
  ZTM_TRY_ASSIGN(const SchemeInfo* info, scheme_info(scheme));
  ZTM_TRY_ASSIGN(PkeyPtr key, internal::import_public_key(info->format, public_key));
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr,
                                      is_ecdsa(*info) ? internal::md_name(info->hash) : nullptr,
                                      nullptr, nullptr, key.get(), nullptr) != 1) {
    return internal::openssl_fail(Errc::crypto_failure, "EVP_DigestVerifyInit");
  }
  // 0 is a wrong signature; a negative value is a malformed one (bad DER). Both
  // mean the signature does not authenticate the message.
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    return internal::openssl_fail(Errc::authentication_failed,
                                  std::string(info->format.name) + ": signature does not verify");
  }
  return ok();
}

Result<EncodedPublicKey> public_key_from_evp(const evp_pkey_st* key) {
  if (key == nullptr) return fail(Errc::invalid_argument, "public_key_from_evp: null key");
  ZTM_TRY_ASSIGN(const SchemeInfo* info, scheme_of(key));
  ZTM_TRY_ASSIGN(Bytes encoded, internal::encode_public_key(info->format, key));
  return EncodedPublicKey{info->scheme, std::move(encoded)};
}

}  // namespace ztm::crypto
