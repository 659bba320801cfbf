#include "ztm_test/cert_factory.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

namespace ztm_test {

namespace {

[[noreturn]] void die(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error("cert_factory: " + what + ": " + buf);
}

void check(bool ok, const std::string& what) {
  if (!ok) die(what);
}

TestKey share(EVP_PKEY* key) {
  return TestKey(key, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

time_t seconds(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

const EVP_MD* digest_for(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return nullptr;
    case EVP_PKEY_EC:
      switch (EVP_PKEY_get_bits(key)) {
        case 384:
          return EVP_sha384();
        case 521:
          return EVP_sha512();
        default:
          return EVP_sha256();
      }
    default:
      return EVP_sha256();
  }
}

void add_conf(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  check(ext != nullptr, std::string("extension ") + OBJ_nid2sn(nid) + " = " + value);
  check(X509_add_ext(x, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

void add_sans(X509* x, const std::vector<SanEntry>& sans) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  for (const auto& san : sans) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (san.type == SanEntry::ip) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(san.value.c_str());
      check(ip != nullptr, "IP address " + san.value);
      GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
    } else {
      ASN1_IA5STRING* text = ASN1_IA5STRING_new();
      ASN1_STRING_set(text, san.value.data(), static_cast<int>(san.value.size()));
      const int type = san.type == SanEntry::email ? GEN_EMAIL
                       : san.type == SanEntry::dns ? GEN_DNS
                                                   : GEN_URI;
      GENERAL_NAME_set0_value(gn, type, text);
    }
    sk_GENERAL_NAME_push(names, gn);
  }
  check(X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1,
        "subjectAltName");
  GENERAL_NAMES_free(names);
}

void add_unknown_critical(X509* x) {
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.55555.7.1", 1);
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  static const unsigned char kDerNull[] = {0x05, 0x00};
  ASN1_OCTET_STRING_set(value, kDerNull, sizeof kDerNull);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
  check(ext != nullptr && X509_add_ext(x, ext, -1) == 1, "unknown critical extension");
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
  ASN1_OBJECT_free(oid);
}

std::atomic<std::uint64_t> next_serial{0x1000};

}  // namespace

TestKey make_key(KeyType type) {
  EVP_PKEY* key = nullptr;
  switch (type) {
    case KeyType::rsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case KeyType::p256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::p384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::p521:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case KeyType::ed25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyType::ed448:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448");
      break;
  }
  check(key != nullptr, "key generation");
  return share(key);
}

CertSpec leaf_spec(SanEntry san) {
  CertSpec spec;
  spec.common_name = san.value.size() <= 64 ? san.value : "long name";
  spec.key_usage = "critical,digitalSignature";
  spec.extended_key_usage = "clientAuth";
  spec.sans.push_back(std::move(san));
  return spec;
}

CertSpec ca_spec(std::string common_name, std::string organization) {
  CertSpec spec;
  spec.common_name = std::move(common_name);
  spec.organization = std::move(organization);
  spec.is_ca = true;
  spec.key_usage = "critical,keyCertSign,cRLSign";
  spec.not_before = std::chrono::system_clock::now() - std::chrono::hours(24 * 30);
  spec.not_after = std::chrono::system_clock::now() + std::chrono::hours(24 * 365);
  return spec;
}

Certificate issue(const CertSpec& spec, evp_pkey_st* subject_key, const Ca* issuer) {
  X509* x = X509_new();
  check(x != nullptr, "X509_new");
  std::unique_ptr<X509, void (*)(X509*)> owner(x, X509_free);
  check(X509_set_version(x, X509_VERSION_3) == 1, "version");
  const std::uint64_t serial = spec.serial != 0 ? spec.serial : next_serial++;
  check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) == 1, "serial");
  check(ASN1_TIME_set(X509_getm_notBefore(x), seconds(spec.not_before)) != nullptr, "notBefore");
  check(ASN1_TIME_set(X509_getm_notAfter(x), seconds(spec.not_after)) != nullptr, "notAfter");
  check(X509_set_pubkey(x, subject_key) == 1, "pubkey");
  X509_NAME* name = X509_get_subject_name(x);
  if (!spec.common_name.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
  }
  if (!spec.organization.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.organization.c_str()),
                               -1, -1, 0);
  }
  X509* issuer_cert = issuer != nullptr ? issuer->cert.x509() : x;
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : subject_key;
  check(X509_set_issuer_name(x, X509_get_subject_name(issuer_cert)) == 1, "issuer name");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, x, nullptr, nullptr, 0);
  if (spec.basic_constraints) {
    std::string bc = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
    if (spec.is_ca && spec.path_len >= 0) bc += ",pathlen:" + std::to_string(spec.path_len);
    add_conf(x, &ctx, NID_basic_constraints, bc);
  }
  if (!spec.key_usage.empty()) add_conf(x, &ctx, NID_key_usage, spec.key_usage);
  if (!spec.extended_key_usage.empty()) {
    add_conf(x, &ctx, NID_ext_key_usage, spec.extended_key_usage);
  }
  add_conf(x, &ctx, NID_subject_key_identifier, "hash");
  add_conf(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.sans.empty()) add_sans(x, spec.sans);
  if (!spec.permitted_domains.empty()) {
    std::string nc = "critical";
    for (const auto& d : spec.permitted_domains) {
      nc += ",permitted;DNS:" + d + ",permitted;email:" + d + ",permitted;email:." + d +
            ",permitted;URI:" + d + ",permitted;URI:." + d;
    }
    add_conf(x, &ctx, NID_name_constraints, nc);
  }
  if (spec.crl_url) add_conf(x, &ctx, NID_crl_distribution_points, "URI:" + *spec.crl_url);
  if (spec.unknown_critical_extension) add_unknown_critical(x);
  check(X509_sign(x, signing_key, digest_for(signing_key)) > 0, "X509_sign");
  return Certificate::from_x509(x);
}

Ca make_root(const CertSpec& spec, KeyType type) {
  auto key = make_key(type);
  return Ca{issue(spec, key.get(), nullptr), key};
}

Ca make_intermediate(const Ca& parent, const CertSpec& spec, KeyType type) {
  auto key = make_key(type);
  return Ca{issue(spec, key.get(), &parent), key};
}

ztm::identity::Crl make_crl(const Ca& issuer, const std::vector<std::uint64_t>& revoked,
                            TimePoint this_update, TimePoint next_update) {
  X509_CRL* crl = X509_CRL_new();
  check(crl != nullptr, "X509_CRL_new");
  std::unique_ptr<X509_CRL, void (*)(X509_CRL*)> owner(crl, X509_CRL_free);
  check(X509_CRL_set_version(crl, 1) == 1, "CRL version");
  check(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.cert.x509())) == 1,
        "CRL issuer");
  ASN1_TIME* last = ASN1_TIME_set(nullptr, seconds(this_update));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, seconds(next_update));
  check(X509_CRL_set1_lastUpdate(crl, last) == 1 && X509_CRL_set1_nextUpdate(crl, next) == 1,
        "CRL times");
  for (auto serial : revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set_uint64(s, serial);
    X509_REVOKED_set_serialNumber(r, s);
    X509_REVOKED_set_revocationDate(r, last);
    check(X509_CRL_add0_revoked(crl, r) == 1, "CRL entry");
    ASN1_INTEGER_free(s);
  }
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer.cert.x509(), nullptr, nullptr, crl, 0);
  X509_EXTENSION* aki =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
  check(aki != nullptr && X509_CRL_add_ext(crl, aki, -1) == 1, "CRL AKI");
  X509_EXTENSION_free(aki);
  X509_CRL_sort(crl);
  check(X509_CRL_sign(crl, issuer.key.get(), digest_for(issuer.key.get())) > 0, "X509_CRL_sign");
  int size = i2d_X509_CRL(crl, nullptr);
  ztm::Bytes der(static_cast<std::size_t>(size));
  unsigned char* p = der.data();
  i2d_X509_CRL(crl, &p);
  auto parsed = ztm::identity::Crl::from_der(der);
  if (!parsed) throw std::runtime_error("cert_factory: " + parsed.error().what());
  return *parsed;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cert_factory: cannot write " + path);
}

}  // namespace ztm_test
