#include "internal/openssl.h"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ztm::crypto::internal {

Error openssl_error(Errc code, std::string_view what) {
  std::string message(what);
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    message += " (";
    message += buf;
    message += ")";
  }
  ERR_clear_error();
  return Error{code, std::move(message)};
}

void fatal(std::string_view what) {
  const Error e = openssl_error(Errc::crypto_failure, what);
  std::fprintf(stderr, "ztm crypto: fatal OpenSSL failure: %s\n", e.message.c_str());
  std::abort();
}

namespace {

template <class T, class Fetch>
T* fetch_or_die(Fetch fetch, const char* name) {
  T* p = fetch(nullptr, name, nullptr);
  if (p == nullptr) fatal(std::string("fetching ") + name);
  return p;
}

}  // namespace

const char* md_name(HashId id) {
  switch (id) {
    case HashId::sha256:
      return "SHA256";
    case HashId::sha384:
      return "SHA384";
    case HashId::sha512:
      return "SHA512";
  }
  return "SHA256";
}

const EVP_MD* evp_md(HashId id) {
  static EVP_MD* const sha256 = fetch_or_die<EVP_MD>(EVP_MD_fetch, "SHA256");
  static EVP_MD* const sha384 = fetch_or_die<EVP_MD>(EVP_MD_fetch, "SHA384");
  static EVP_MD* const sha512 = fetch_or_die<EVP_MD>(EVP_MD_fetch, "SHA512");
  switch (id) {
    case HashId::sha256:
      return sha256;
    case HashId::sha384:
      return sha384;
    case HashId::sha512:
      return sha512;
  }
  return nullptr;
}

const EVP_CIPHER* evp_aead_cipher(AeadId id) {
  static EVP_CIPHER* const aes128 = fetch_or_die<EVP_CIPHER>(EVP_CIPHER_fetch, "AES-128-GCM");
  static EVP_CIPHER* const aes256 = fetch_or_die<EVP_CIPHER>(EVP_CIPHER_fetch, "AES-256-GCM");
  static EVP_CIPHER* const chacha = fetch_or_die<EVP_CIPHER>(EVP_CIPHER_fetch, "ChaCha20-Poly1305");
  switch (id) {
    case AeadId::aes128gcm:
      return aes128;
    case AeadId::aes256gcm:
      return aes256;
    case AeadId::chacha20poly1305:
      return chacha;
    case AeadId::export_only:
      return nullptr;
  }
  return nullptr;
}

EVP_MAC* evp_hmac() {
  static EVP_MAC* const mac = fetch_or_die<EVP_MAC>(EVP_MAC_fetch, "HMAC");
  return mac;
}

EVP_KDF* evp_hkdf() {
  static EVP_KDF* const kdf = fetch_or_die<EVP_KDF>(EVP_KDF_fetch, "HKDF");
  return kdf;
}

}  // namespace ztm::crypto::internal
