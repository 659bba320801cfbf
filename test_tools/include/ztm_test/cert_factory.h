// Certificate factory for tests: roots, intermediates and leaves with any validity,
// SANs, name constraints, CRL distribution points, unknown critical extensions and
// RSA or EC/EdDSA keys, plus CRLs — all made at test time with OpenSSL's X509 APIs.
// Failures throw std::runtime_error: a test cannot go on without its certificates.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/crl.h"

struct evp_pkey_st;

namespace ztm_test {

using ztm::identity::Certificate;
using ztm::identity::TimePoint;

enum class KeyType { rsa2048, p256, p384, p521, ed25519, ed448 };

// TestKey is a generated private key (shared OpenSSL object).
using TestKey = std::shared_ptr<evp_pkey_st>;
TestKey make_key(KeyType type);

// SanEntry is one subjectAltName name.
struct SanEntry {
  enum Type { email, dns, uri, ip } type;
  std::string value;
};

// CertSpec says everything about a certificate to make. Defaults give a profile
// leaf valid from an hour ago for a day; ca_spec() gives a CA.
struct CertSpec {
  std::string common_name;
  std::string organization;
  bool is_ca = false;
  int path_len = -1;               // -1: no pathLenConstraint
  bool basic_constraints = true;   // false: omit the extension
  std::string key_usage;           // OpenSSL config value; "" omits the extension
  std::string extended_key_usage;  // OpenSSL config value; "" omits the extension
  std::vector<SanEntry> sans;
  std::vector<std::string> permitted_domains;  // name constraints: DNS, email, URI
  bool unknown_critical_extension = false;
  std::optional<std::string> crl_url;
  TimePoint not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  TimePoint not_after = std::chrono::system_clock::now() + std::chrono::hours(24);
  std::uint64_t serial = 0;  // 0: a fresh serial from a counter
};

// leaf_spec is a profile leaf: CA:FALSE, digitalSignature, clientAuth, one SAN.
CertSpec leaf_spec(SanEntry san);
// ca_spec is a CA: CA:TRUE (critical), keyCertSign+cRLSign.
CertSpec ca_spec(std::string common_name, std::string organization = {});

// Ca is a CA certificate with its private key.
struct Ca {
  Certificate cert;
  TestKey key;
};

// issue makes a certificate for subject_key's public half, signed by issuer (or
// self-signed when issuer is null, with subject_key).
Certificate issue(const CertSpec& spec, evp_pkey_st* subject_key, const Ca* issuer);

// make_root makes a self-signed CA; make_intermediate a CA signed by parent.
Ca make_root(const CertSpec& spec, KeyType type = KeyType::p256);
Ca make_intermediate(const Ca& parent, const CertSpec& spec, KeyType type = KeyType::p256);

// make_crl makes a v2 CRL from issuer listing the revoked serials.
ztm::identity::Crl make_crl(const Ca& issuer, const std::vector<std::uint64_t>& revoked,
                            TimePoint this_update, TimePoint next_update);

// write_text writes text to path (throws on failure).
void write_text(const std::string& path, const std::string& text);

}  // namespace ztm_test
