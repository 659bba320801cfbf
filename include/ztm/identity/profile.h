// The ztmeet credential profile: what an end-entity certificate that carries an MLS
// signature key must look like (docs/identity.md, "Credential profile"), a CSR
// builder for it (the ACME client's finalize request, RFC 8555 §7.4) and the
// issuing side a CA uses (the ACME server's finalize handler).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/crypto/signature.h"
#include "ztm/identity/certificate.h"

namespace ztm::identity {

// IdentityKind is what the single subjectAltName of a leaf names:
//   user    -> rfc822Name  "alice@example.com"
//   device  -> dNSName     "room-12.example.com"
//   service -> URI         "https://recorder.example.com/" (recorders, transcribers)
enum class IdentityKind : std::uint8_t { user, device, service };

std::string_view identity_kind_name(IdentityKind kind);

// Identity is who a credential names. value is the SAN as written in the
// certificate; the subject CN is display only and never part of an Identity.
struct Identity {
  IdentityKind kind;
  std::string value;

  static Identity user(std::string email) { return {IdentityKind::user, std::move(email)}; }
  static Identity device(std::string dns_name) {
    return {IdentityKind::device, std::move(dns_name)};
  }
  static Identity service(std::string uri) { return {IdentityKind::service, std::move(uri)}; }

  friend bool operator==(const Identity&, const Identity&) = default;
};

// identity_domain checks the identity's syntax and returns the DNS domain that
// scopes it (lowercase): the part after '@' of an email, the DNS name itself, the
// host of a URI. Malformed input (wildcards, IP literals, empty labels, non-ASCII,
// a URI without "scheme://host") is invalid_argument.
Result<std::string> identity_domain(const Identity& identity);

// domain_in_scope says whether domain equals scope or is a subdomain of it
// (both lowercase ASCII). "eng.example.com" is in "example.com"; "badexample.com"
// is not.
bool domain_in_scope(std::string_view domain, std::string_view scope);

// is_valid_domain_name checks an LDH DNS name: labels of 1–63 letters, digits and
// hyphens (not at either end), at least two labels, at most 253 characters.
bool is_valid_domain_name(std::string_view name);

// signature_scheme_for_suite is the MLS suite's signature scheme (RFC 9420 §17.1):
// 1 Ed25519, 2 P-256, 3 Ed25519, 4 Ed448, 5 P-521, 6 Ed448, 7 P-384.
Result<crypto::SignatureScheme> signature_scheme_for_suite(std::uint16_t cipher_suite);

// leaf_identity applies the profile's name rule to an end-entity certificate: a
// subjectAltName with exactly one entry, of type rfc822Name, dNSName or URI, whose
// value is well formed. Anything else is protocol_violation with the reason.
Result<Identity> leaf_identity(const Certificate& leaf);

// check_leaf_profile checks the rest of the end-entity profile: X.509 v3;
// basicConstraints present with CA:FALSE; keyUsage present with digitalSignature
// and without keyCertSign/cRLSign; extendedKeyUsage absent, or containing clientAuth
// (any kind) or serverAuth (devices only) and never anyExtendedKeyUsage; and a leaf
// key of exactly the given scheme. Failures are protocol_violation.
Result<void> check_leaf_profile(const Certificate& leaf, const Identity& identity,
                                crypto::SignatureScheme scheme);

// leaf_public_key returns the leaf's key in the RFC 9420 encoding with its scheme
// (Ed25519/Ed448/ECDSA P-256/P-384/P-521 only; any other key is unsupported).
Result<crypto::EncodedPublicKey> leaf_public_key(const Certificate& leaf);

// make_csr builds a PKCS#10 request (RFC 2986) for the profile, signed by key: the
// subject CN is the identity value (display only) and the requested extensions are
// the one subjectAltName. Returns the DER encoding (ACME's "csr" field, base64url).
Result<Bytes> make_csr(const crypto::SignaturePrivateKey& key, const Identity& identity);

// CertificateRequest is a parsed PKCS#10 request whose self-signature verified and
// whose names and key fit the profile.
struct CertificateRequest {
  Identity identity;
  crypto::EncodedPublicKey public_key;
  Bytes der;
};

// parse_csr parses and checks a CSR: exactly one DER request, a valid signature, a
// profile leaf key type and exactly one SAN per leaf_identity. Errors are
// invalid_encoding (malformed), authentication_failed (bad signature),
// protocol_violation (names or key outside the profile).
Result<CertificateRequest> parse_csr(ByteView der);

// Validity is a certificate's notBefore..notAfter.
struct Validity {
  TimePoint not_before;
  TimePoint not_after;
};

// IssueOptions are what the CA decides on top of the request.
struct IssueOptions {
  Validity validity;
  // serial is the positive serial number, big-endian, 1..20 bytes (RFC 5280
  // §4.1.2.2); a CA draws it at random (at least 64 bits).
  Bytes serial;
  // crl_url, when set, becomes the cRLDistributionPoints URI (an http:// URL).
  std::optional<std::string> crl_url;
};

// issue_certificate issues a profile leaf for a CSR: the CSR is parsed and checked
// as parse_csr does; the certificate gets subject CN = identity value,
// basicConstraints CA:FALSE (critical), keyUsage digitalSignature (critical),
// extendedKeyUsage clientAuth, the one SAN, subject and authority key identifiers
// and the CRL distribution point; it is signed by ca_key, which must be the key of
// ca_cert (invalid_key otherwise). Returns the certificate.
Result<Certificate> issue_certificate(ByteView csr_der, const crypto::SignaturePrivateKey& ca_key,
                                      const Certificate& ca_cert, const IssueOptions& options);

// make_ca_certificate makes a self-signed CA certificate for an organization CA
// (`ztmeet ca`): subject "CN=<common_name>, O=<organization>", basicConstraints
// CA:TRUE pathlen 0 (critical), keyUsage keyCertSign|cRLSign (critical), SKI/AKI.
// When permitted_domains is non-empty the certificate carries critical name
// constraints permitting exactly those domains and their subdomains for email,
// DNS and URI names, so relying parties without ztmeet's scope check stay safe.
Result<Certificate> make_ca_certificate(const crypto::SignaturePrivateKey& key,
                                        std::string_view common_name, std::string_view organization,
                                        const Validity& validity,
                                        std::span<const std::string> permitted_domains,
                                        ByteView serial);

}  // namespace ztm::identity
