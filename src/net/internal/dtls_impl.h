// What the DTLS endpoint needs of a DtlsCertificate, kept out of the public header
// so that OpenSSL types stay private to this layer.
#pragma once

#include "internal/openssl_util.h"
#include "ztm/net/dtls.h"

namespace ztm::net {

struct DtlsCertificate::Impl {
  internal::OsslPtr<EVP_PKEY> key;
  internal::OsslPtr<X509> cert;
  CertificateFingerprint fingerprint;
};

// fingerprint_of hashes a certificate's DER encoding with SHA-256.
Result<CertificateFingerprint> fingerprint_of(X509* cert);

}  // namespace ztm::net
