// Private helpers for the X.509 files of the identity layer: OpenSSL ownership
// types, the one place that turns OpenSSL's error queue into a typed Error, and
// conversions between ASN1_TIME and std::chrono.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"

namespace ztm::identity::internal {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509ReqFree {
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
struct X509StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct X509StackFree {
  // The stack holds borrowed certificates: free only the stack itself.
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
struct X509CrlStackFree {
  void operator()(STACK_OF(X509_CRL) * p) const { sk_X509_CRL_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};

using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509ReqPtr = std::unique_ptr<X509_REQ, X509ReqFree>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using X509CrlStackPtr = std::unique_ptr<STACK_OF(X509_CRL), X509CrlStackFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, ExtensionFree>;

// openssl_error drains OpenSSL's error queue into an Error naming the failed call,
// so that one failure never leaks into the next caller's diagnosis.
Error openssl_error(Errc code, std::string_view what);

inline tl::unexpected<Error> openssl_fail(Errc code, std::string_view what) {
  return tl::unexpected<Error>(openssl_error(code, what));
}

using TimePoint = std::chrono::system_clock::time_point;

// to_time_point converts an ASN1_TIME (UTCTime or GeneralizedTime) to a time point.
Result<TimePoint> to_time_point(const ASN1_TIME* t);

// to_time_t converts a time point to whole seconds since the epoch.
inline time_t to_time_t(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

// signing_digest returns the digest OpenSSL's X509/CSR/CRL signing calls need for a
// key: none for EdDSA (pure), the curve's hash for ECDSA, SHA-256 for RSA.
Result<const EVP_MD*> signing_digest(EVP_PKEY* key);

// der_of encodes an OpenSSL object with its i2d function into owned bytes.
template <class T>
Result<Bytes> der_of(T* object, int (*i2d)(T*, unsigned char**), std::string_view what) {
  const int size = i2d(object, nullptr);
  if (size <= 0) return openssl_fail(Errc::crypto_failure, what);
  Bytes out(static_cast<std::size_t>(size));
  unsigned char* p = out.data();
  if (i2d(object, &p) != size) return openssl_fail(Errc::crypto_failure, what);
  return out;
}

}  // namespace ztm::identity::internal
