#include "internal/openssl.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

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

namespace {

// hmac_template is an unkeyed HMAC context with its digest set, never used directly:
// new_hmac only copies it (EVP_MAC_CTX_dup reads it), so threads may share it.
const EVP_MAC_CTX* hmac_template(HashId id) {
  const auto make = [](HashId h) {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(evp_hmac());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(md_name(h)), 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) fatal("HMAC template");
    return ctx;
  };
  static EVP_MAC_CTX* const sha256 = make(HashId::sha256);
  static EVP_MAC_CTX* const sha384 = make(HashId::sha384);
  static EVP_MAC_CTX* const sha512 = make(HashId::sha512);
  switch (id) {
    case HashId::sha256:
      return sha256;
    case HashId::sha384:
      return sha384;
    case HashId::sha512:
      return sha512;
  }
  return sha256;
}

}  // namespace

MacCtxPtr new_hmac(HashId id, ByteView key) {
  // EVP_MAC_CTX_dup takes a non-const pointer but only reads the template.
  MacCtxPtr ctx(EVP_MAC_CTX_dup(const_cast<EVP_MAC_CTX*>(hmac_template(id))));
  // An empty key is a valid HMAC key (RFC 2104 pads it with zeros); OpenSSL needs a
  // non-null pointer to take it as "set the key" rather than "keep the old one".
  static const std::uint8_t empty_key = 0;
  const std::uint8_t* key_data = key.empty() ? &empty_key : key.data();
  if (ctx && EVP_MAC_init(ctx.get(), key_data, key.size(), nullptr) != 1) ctx.reset();
  return ctx;
}

}  // namespace ztm::crypto::internal
