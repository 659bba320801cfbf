// Self-signed TLS identities and certificate fingerprints for the signaling
// transport (OpenSSL 3; no Beast here).
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "ztm/crypto/random.h"
#include "ztm/net/websocket.h"

namespace ztm::net::websocket {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

bool is_ip(const std::string& name) {
  return name.find_first_not_of("0123456789.") == std::string::npos ||
         name.find(':') != std::string::npos;
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

Result<TlsIdentity> generate_self_signed(const std::vector<std::string>& names, int validity_days) {
  if (names.empty()) return fail(Errc::invalid_argument, "self-signed: at least one name");
  if (validity_days < 1) return fail(Errc::invalid_argument, "self-signed: validity_days < 1");
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  Ptr<X509> cert(X509_new());
  if (!key || !cert) return fail(Errc::crypto_failure, "self-signed: key generation failed");
  X509_set_version(cert.get(), 2);
  // A random 64-bit positive serial (RFC 5280 §4.1.2.2).
  Bytes serial = crypto::random_bytes(8);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity_days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("ztmeet service"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  std::string san;
  for (const auto& name : names) {
    if (name.empty() || name.find_first_of(",\n\r") != std::string::npos) {
      return fail(Errc::invalid_argument, "self-signed: bad name");
    }
    if (!san.empty()) san += ",";
    san += (is_ip(name) ? "IP:" : "DNS:") + name;
  }
  // A self-signed certificate that is also its own trust anchor: CA:TRUE lets clients
  // use the file as their CA bundle; keyCertSign with it (RFC 5280 §4.2.1.9).
  if (!add_extension(cert.get(), NID_subject_alt_name, san) ||
      !add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash")) {
    return fail(Errc::invalid_argument, "self-signed: bad subjectAltName");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return fail(Errc::crypto_failure, "self-signed: signing failed");
  }
  Ptr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  Ptr<BIO> key_bio(BIO_new(BIO_s_secmem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return fail(Errc::crypto_failure, "self-signed: PEM encoding failed");
  }
  TlsIdentity identity;
  identity.cert_chain_pem = bio_text(cert_bio.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(key_bio.get(), &data);
  identity.private_key_pem = SecretBytes(
      ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)));
  return identity;
}

Result<std::string> certificate_sha256(std::string_view pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Ptr<X509> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return fail(Errc::invalid_encoding, "certificate_sha256: no PEM certificate");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &len) != 1) {
    return fail(Errc::crypto_failure, "certificate_sha256: digest failed");
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i) out.push_back(':');
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

}  // namespace ztm::net::websocket
