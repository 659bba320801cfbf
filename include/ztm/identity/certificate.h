// X.509 certificates (RFC 5280) as immutable values: parsed from DER or PEM,
// encoded back, and lent to OpenSSL. The MLS x509 Credential (RFC 9420 §5.3) carries
// a chain of DER certificates, leaf first.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

struct x509_st;  // OpenSSL's X509

namespace ztm::identity {

using TimePoint = std::chrono::system_clock::time_point;

// kMaxCertificateSizeBytes bounds one DER certificate we are willing to parse. Real
// end-entity and CA certificates are 0.5–3 KiB; 64 KiB leaves room for odd ones.
inline constexpr std::size_t kMaxCertificateSizeBytes = 64 * 1024;

// Certificate is one parsed X.509 certificate. Copies share the immutable OpenSSL
// object (reference counted); it is safe to keep as long as needed.
class Certificate {
 public:
  // from_der parses exactly one DER certificate; trailing bytes, an oversized input
  // (kMaxCertificateSizeBytes) or a malformed certificate is invalid_encoding.
  static Result<Certificate> from_der(ByteView der);
  // from_x509 takes a reference to an OpenSSL certificate (up-ref, not a copy).
  static Certificate from_x509(x509_st* x509);

  // der is the certificate's DER encoding (as it goes into an MLS Credential).
  Bytes der() const;
  // pem is the certificate as a "BEGIN CERTIFICATE" block.
  std::string pem() const;

  // subject and issuer are the distinguished names in RFC 2253 form, for display.
  std::string subject() const;
  std::string issuer() const;
  // serial_hex is the serial number in uppercase hex, for display and CRL lookup.
  std::string serial_hex() const;
  TimePoint not_before() const;
  TimePoint not_after() const;

  // x509 lends the OpenSSL certificate; it lives as long as this object (or a copy).
  x509_st* x509() const { return x509_.get(); }

 private:
  explicit Certificate(std::shared_ptr<x509_st> x509) : x509_(std::move(x509)) {}
  std::shared_ptr<x509_st> x509_;
};

// parse_pem_certificates reads every "BEGIN CERTIFICATE" block in text, in order.
// Text without any certificate is invalid_encoding; max_count bounds the work.
Result<std::vector<Certificate>> parse_pem_certificates(std::string_view text,
                                                        std::size_t max_count = 16);

// load_pem_certificates reads a PEM file (io_error if it cannot be read).
Result<std::vector<Certificate>> load_pem_certificates(const std::string& path,
                                                       std::size_t max_count = 16);

// to_der_chain encodes certificates as the DER list of an MLS x509 Credential.
std::vector<Bytes> to_der_chain(const std::vector<Certificate>& chain);

// to_pem_chain concatenates the certificates' PEM blocks.
std::string to_pem_chain(const std::vector<Certificate>& chain);

}  // namespace ztm::identity
