#include "ztm/identity/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "internal/a_openssl.h"
#include "internal/a_parsing_context.h"

namespace ztm::identity {

using internal::BioPtr;
using internal::openssl_fail;

namespace {

std::shared_ptr<X509> share(X509* x) {
  return std::shared_ptr<X509>(x, [](X509* p) { X509_free(p); });
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

TimePoint time_or_epoch(const ASN1_TIME* t) {
  auto tp = internal::to_time_point(t);
  return tp ? *tp : TimePoint{};
}

}  // namespace

Result<Certificate> Certificate::from_der(ByteView der) {
  if (der.empty() || der.size() > kMaxCertificateSizeBytes) {
    return fail(Errc::invalid_encoding, "certificate: empty or larger than " +
                                            std::to_string(kMaxCertificateSizeBytes) + " bytes");
  }
  const unsigned char* p = der.data();
  X509* x = X509_new_ex(internal::parsing_libctx(), nullptr);
  if (x == nullptr) return openssl_fail(Errc::crypto_failure, "certificate: X509_new_ex");
  if (d2i_X509(&x, &p, static_cast<long>(der.size())) == nullptr) {
    // d2i_X509 frees *x when it fails and sets it to null.
    return openssl_fail(Errc::invalid_encoding, "certificate: d2i_X509");
  }
  auto shared = share(x);
  if (p != der.data() + der.size()) {
    return fail(Errc::trailing_data, "certificate: trailing bytes after the DER certificate");
  }
  return Certificate(std::move(shared));
}

Certificate Certificate::from_x509(x509_st* x509) {
  X509_up_ref(x509);
  return Certificate(share(x509));
}

Bytes Certificate::der() const {
  auto der = internal::der_of<const X509>(x509_.get(), &i2d_X509, "i2d_X509");
  // Encoding a parsed certificate only fails when memory is exhausted.
  return der ? std::move(*der) : Bytes{};
}

std::string Certificate::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), x509_.get()) != 1) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string Certificate::subject() const {
  return name_text(X509_get_subject_name(x509_.get()));
}

std::string Certificate::issuer() const {
  return name_text(X509_get_issuer_name(x509_.get()));
}

std::string Certificate::serial_hex() const {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr);
  if (bn == nullptr) return {};
  char* hex = BN_bn2hex(bn);
  BN_free(bn);
  if (hex == nullptr) return {};
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

TimePoint Certificate::not_before() const {
  return time_or_epoch(X509_get0_notBefore(x509_.get()));
}

TimePoint Certificate::not_after() const {
  return time_or_epoch(X509_get0_notAfter(x509_.get()));
}

Result<std::vector<Certificate>> parse_pem_certificates(std::string_view text,
                                                        std::size_t max_count) {
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) {
    return fail(Errc::length_too_large, "PEM text too large");
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return openssl_fail(Errc::crypto_failure, "BIO_new_mem_buf");
  std::vector<Certificate> out;
  while (true) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (x == nullptr) break;
    out.push_back(Certificate::from_x509(x));
    X509_free(x);  // from_x509 took its own reference
    if (out.size() > max_count) {
      return fail(Errc::limit_exceeded,
                  "more than " + std::to_string(max_count) + " certificates in PEM text");
    }
  }
  // The loop ends on "no more PEM blocks"; that error is expected, not a failure.
  ERR_clear_error();
  if (out.empty()) return fail(Errc::invalid_encoding, "no PEM certificate found");
  return out;
}

Result<std::vector<Certificate>> load_pem_certificates(const std::string& path,
                                                       std::size_t max_count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::io_error, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto certs = parse_pem_certificates(text.str(), max_count);
  if (!certs) return fail(certs.error().code, path + ": " + certs.error().message);
  return certs;
}

std::vector<Bytes> to_der_chain(const std::vector<Certificate>& chain) {
  std::vector<Bytes> out;
  out.reserve(chain.size());
  for (const auto& c : chain) out.push_back(c.der());
  return out;
}

std::string to_pem_chain(const std::vector<Certificate>& chain) {
  std::string out;
  for (const auto& c : chain) out += c.pem();
  return out;
}

}  // namespace ztm::identity
