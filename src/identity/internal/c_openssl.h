// c_openssl: ownership types for the OpenSSL objects the CA, the ACME server and the
// OIDC relying party handle, and the one place that turns OpenSSL's error queue into
// an Error. Certificates themselves go through ztm/identity/certificate.h.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::identity::internal {

template <auto Fn>
struct OsslDeleter {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;

// ossl_error drains OpenSSL's error queue into an Error naming the failed call.
Error ossl_error(Errc code, std::string_view what);

// pem_encode wraps DER in PEM armour with the given label ("PRIVATE KEY").
std::string pem_encode(std::string_view label, ByteView der);

}  // namespace ztm::identity::internal
