#include "internal/key_format.h"

#include <string>

namespace ztm::crypto::internal {
namespace {

Result<void> check_raw_size(const KeyFormat& format, ByteView key, std::string_view what) {
  if (key.size() == format.raw_size) return ok();
  return fail(Errc::invalid_key, std::string(format.name) + ": " + std::string(what) + " is " +
                                     std::to_string(key.size()) + " bytes, not " +
                                     std::to_string(format.raw_size));
}

}  // namespace

Result<PkeyPtr> import_public_key(const KeyFormat& format, ByteView public_key) {
  if (format.curve != nullptr) return ec_public_key(*format.curve, public_key);
  ZTM_TRY(check_raw_size(format, public_key, "public key"));
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(format.raw_type, nullptr, public_key.data(), public_key.size()));
  if (!key) return openssl_fail(Errc::invalid_key, std::string(format.name) + " public key import");
  return key;
}

Result<PkeyPtr> import_private_key(const KeyFormat& format, ByteView private_key) {
  if (format.curve != nullptr) return ec_private_key(*format.curve, private_key);
  ZTM_TRY(check_raw_size(format, private_key, "private key"));
  PkeyPtr key(EVP_PKEY_new_raw_private_key(format.raw_type, nullptr, private_key.data(),
                                           private_key.size()));
  if (!key) {
    return openssl_fail(Errc::invalid_key, std::string(format.name) + " private key import");
  }
  return key;
}

Result<PkeyPtr> generate_key(const KeyFormat& format) {
  if (format.curve != nullptr) return ec_generate(*format.curve);
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, format.raw_keygen));
  if (!key) return openssl_fail(Errc::crypto_failure, std::string(format.name) + " key generation");
  return key;
}

Result<Bytes> encode_public_key(const KeyFormat& format, const EVP_PKEY* key) {
  if (format.curve != nullptr) return ec_encode_public(*format.curve, key);
  Bytes out(format.raw_size);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &len) != 1 || len != out.size()) {
    return openssl_fail(Errc::invalid_key, std::string(format.name) + " public key export");
  }
  return out;
}

Result<SecretBytes> encode_private_key(const KeyFormat& format, const EVP_PKEY* key) {
  if (format.curve != nullptr) return ec_encode_private(*format.curve, key);
  SecretBytes out(format.raw_size);
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(key, out.mutable_data().data(), &len) != 1 ||
      len != out.size()) {
    return openssl_fail(Errc::crypto_failure, std::string(format.name) + " private key export");
  }
  return out;
}

}  // namespace ztm::crypto::internal
