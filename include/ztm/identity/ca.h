// CertificateAuthority: the key and self-signed certificate of a ztmeet CA (the
// organization's CA or the provider's), kept in a data directory, plus the CRL it
// signs. `ztmeet ca init` creates them; `ztmeet ca serve` loads them. Leaf
// certificates are issued through the X.509 profile's issue_certificate
// (ztm/identity/profile.h) by the ACME server.
//
// Files in the data directory:
//   ca.key  the CA private key, PKCS#8 PEM, mode 0600 (never logged, never served)
//   ca.pem  the self-signed CA certificate, PEM
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/crl.h"

namespace ztm::identity {

// CaOptions says how to create a CA on first start.
struct CaOptions {
  std::string data_dir;
  // key_scheme is ecdsa_secp256r1_sha256 (the default: every ACME client and TLS
  // stack accepts it) or ed25519.
  crypto::SignatureScheme key_scheme = crypto::SignatureScheme::ecdsa_secp256r1_sha256;
  std::string common_name = "ztmeet CA";
  std::string organization;
  std::chrono::seconds validity{std::chrono::hours(24 * 365 * 10)};
  // permitted_domains, when non-empty, become critical name constraints on the CA
  // certificate (the organization's domains).
  std::vector<std::string> permitted_domains;
};

class CertificateAuthority {
 public:
  // init loads the CA in options.data_dir, creating the directory, key and
  // certificate (make_ca_certificate in profile.h) when they do not exist yet. An existing key
  // without a certificate (or the reverse) is invalid_state: we never silently replace a CA.
  static Result<CertificateAuthority> init(const CaOptions& options);
  // load loads an existing CA; not_found when the directory holds none.
  static Result<CertificateAuthority> load(const std::string& data_dir);

  const crypto::SignaturePrivateKey& key() const { return key_; }
  const Certificate& certificate() const { return cert_; }
  const std::string& data_dir() const { return data_dir_; }

  // issue issues a profile leaf for a CSR (issue_certificate in profile.h) with a
  // fresh random serial, valid from five minutes ago (clock skew) for lifetime, and
  // crl_url as its CRL distribution point when non-empty.
  Result<Certificate> issue(ByteView csr_der, std::chrono::seconds lifetime,
                            const std::string& crl_url) const;

  // crl signs a CRL listing revoked (issue_crl in crl.h), valid from now for
  // next_update.
  Result<Crl> crl(std::span<const RevokedCertificate> revoked, TimePoint now,
                  std::chrono::seconds next_update, std::uint64_t crl_number) const;

 private:
  CertificateAuthority(std::string data_dir, crypto::SignaturePrivateKey key, Certificate cert)
      : data_dir_(std::move(data_dir)), key_(std::move(key)), cert_(std::move(cert)) {}
  std::string data_dir_;
  crypto::SignaturePrivateKey key_;
  Certificate cert_;
};

// random_serial returns a fresh certificate serial number: 16 random bytes with the
// top bit clear, so the DER INTEGER is positive and at most 20 octets (RFC 5280
// §4.1.2.2), with at least 64 bits of entropy as CA/Browser practice asks.
Bytes random_serial();

}  // namespace ztm::identity
