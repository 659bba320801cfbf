// Both ends of issuance for the credential profile: the CSR a client sends
// (RFC 2986, carried by ACME finalize, RFC 8555 §7.4) and the certificate a CA
// makes from it.
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "internal/a_openssl.h"
#include "internal/a_profile.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {

using internal::openssl_fail;

namespace {

// ub-common-name (RFC 5280 Appendix A): a longer identity gets no CN at all.
constexpr std::size_t kMaxCommonNameLength = 64;
constexpr std::size_t kMaxCsrSizeBytes = 16 * 1024;

int general_name_type(IdentityKind kind) {
  switch (kind) {
    case IdentityKind::user:
      return GEN_EMAIL;
    case IdentityKind::device:
      return GEN_DNS;
    case IdentityKind::service:
      return GEN_URI;
  }
  return GEN_OTHERNAME;
}

// make_san encodes the profile's single subjectAltName as an extension. Built from
// GENERAL_NAME values rather than a config string, so no character in the name
// can be read as config syntax.
Result<internal::ExtensionPtr> make_san(const Identity& identity, bool critical) {
  internal::GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (!names || gn == nullptr || text == nullptr ||
      ASN1_STRING_set(text, identity.value.data(), static_cast<int>(identity.value.size())) != 1) {
    GENERAL_NAME_free(gn);
    ASN1_IA5STRING_free(text);
    return openssl_fail(Errc::crypto_failure, "subjectAltName");
  }
  GENERAL_NAME_set0_value(gn, general_name_type(identity.kind), text);
  if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
    GENERAL_NAME_free(gn);
    return openssl_fail(Errc::crypto_failure, "subjectAltName");
  }
  internal::ExtensionPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, critical ? 1 : 0, names.get()));
  if (!ext) return openssl_fail(Errc::crypto_failure, "X509V3_EXT_i2d(subjectAltName)");
  return ext;
}

Result<void> add_conf_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  internal::ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return openssl_fail(Errc::crypto_failure, "extension " + std::string(OBJ_nid2sn(nid)));
  }
  return ok();
}

Result<void> set_common_name(X509_NAME* name, std::string_view field, std::string_view value) {
  if (X509_NAME_add_entry_by_txt(name, std::string(field).c_str(), MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return openssl_fail(Errc::invalid_argument, "subject " + std::string(field));
  }
  return ok();
}

Result<void> set_serial_and_validity(X509* x, ByteView serial, const Validity& validity) {
  if (serial.empty() || serial.size() > 20 || serial[0] == 0 || (serial[0] & 0x80) != 0) {
    return fail(Errc::invalid_argument,
                "serial must be 1..20 bytes, positive, without a leading zero byte");
  }
  if (validity.not_after <= validity.not_before) {
    return fail(Errc::invalid_argument, "notAfter must be after notBefore");
  }
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  ASN1_INTEGER* asn1 = bn != nullptr ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
  BN_free(bn);
  const bool serial_ok = asn1 != nullptr && X509_set_serialNumber(x, asn1) == 1;
  ASN1_INTEGER_free(asn1);
  if (!serial_ok) return openssl_fail(Errc::crypto_failure, "serial number");
  if (ASN1_TIME_set(X509_getm_notBefore(x), internal::to_time_t(validity.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x), internal::to_time_t(validity.not_after)) == nullptr) {
    return openssl_fail(Errc::crypto_failure, "validity");
  }
  return ok();
}

Result<void> sign(X509* x, EVP_PKEY* key) {
  ZTM_TRY_ASSIGN(const EVP_MD* md, internal::signing_digest(key));
  if (X509_sign(x, key, md) <= 0) return openssl_fail(Errc::crypto_failure, "X509_sign");
  return ok();
}

Result<internal::X509ReqPtr> decode_csr(ByteView der) {
  if (der.empty() || der.size() > kMaxCsrSizeBytes) {
    return fail(Errc::invalid_encoding, "CSR: empty or larger than 16 KiB");
  }
  const unsigned char* p = der.data();
  internal::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return openssl_fail(Errc::invalid_encoding, "CSR: d2i_X509_REQ");
  if (p != der.data() + der.size()) return fail(Errc::trailing_data, "CSR: trailing bytes");
  return req;
}

}  // namespace

Result<Bytes> make_csr(const crypto::SignaturePrivateKey& key, const Identity& identity) {
  ZTM_TRY(identity_domain(identity));
  EVP_PKEY* pkey = key.evp_pkey();
  internal::X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(req.get(), pkey) != 1) {
    return openssl_fail(Errc::crypto_failure, "X509_REQ_new");
  }
  const bool has_cn = identity.value.size() <= kMaxCommonNameLength;
  if (has_cn) {
    ZTM_TRY(set_common_name(X509_REQ_get_subject_name(req.get()), "CN", identity.value));
  }
  // RFC 5280 §4.2.1.6: with an empty subject the SAN must be critical.
  ZTM_TRY_ASSIGN(auto san, make_san(identity, !has_cn));
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  if (exts == nullptr || sk_X509_EXTENSION_push(exts, san.get()) == 0 ||
      X509_REQ_add_extensions(req.get(), exts) != 1) {
    sk_X509_EXTENSION_free(exts);
    return openssl_fail(Errc::crypto_failure, "X509_REQ_add_extensions");
  }
  sk_X509_EXTENSION_free(exts);  // the stack borrowed san
  ZTM_TRY_ASSIGN(const EVP_MD* md, internal::signing_digest(pkey));
  if (X509_REQ_sign(req.get(), pkey, md) <= 0) {
    return openssl_fail(Errc::crypto_failure, "X509_REQ_sign");
  }
  return internal::der_of<const X509_REQ>(req.get(), &i2d_X509_REQ, "i2d_X509_REQ");
}

Result<CertificateRequest> parse_csr(ByteView der) {
  ZTM_TRY_ASSIGN(auto req, decode_csr(der));
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr) return openssl_fail(Errc::invalid_encoding, "CSR public key");
  if (X509_REQ_verify(req.get(), key) != 1) {
    return openssl_fail(Errc::authentication_failed, "CSR signature does not verify");
  }
  auto public_key = internal::profile_public_key(key);
  if (!public_key) return fail(Errc::protocol_violation, "CSR " + public_key.error().message);
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  auto identity = internal::identity_from_extensions(exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  if (!identity) return fail(identity.error().code, "CSR " + identity.error().message);
  return CertificateRequest{std::move(*identity), std::move(*public_key), to_bytes(der)};
}

Result<Certificate> issue_certificate(ByteView csr_der, const crypto::SignaturePrivateKey& ca_key,
                                      const Certificate& ca_cert, const IssueOptions& options) {
  ZTM_TRY_ASSIGN(auto request, parse_csr(csr_der));
  X509* ca = ca_cert.x509();
  if (X509_check_ca(ca) < 1) return fail(Errc::invalid_argument, "issuer is not a CA certificate");
  if (EVP_PKEY_eq(X509_get0_pubkey(ca), ca_key.evp_pkey()) != 1) {
    return fail(Errc::invalid_key, "CA key does not match the CA certificate");
  }
  if (options.validity.not_before < ca_cert.not_before() ||
      options.validity.not_after > ca_cert.not_after()) {
    return fail(Errc::invalid_argument, "leaf validity must lie within the CA's");
  }
  if (options.crl_url) {
    const auto& url = *options.crl_url;
    const bool printable = std::all_of(url.begin(), url.end(),
                                       [](char c) { return c > 0x20 && c < 0x7f && c != ','; });
    if (!url.starts_with("http://") || !printable) {
      return fail(Errc::invalid_argument, "CRL URL must be an http:// URL without ',' or spaces");
    }
  }
  ZTM_TRY_ASSIGN(auto req, decode_csr(csr_der));
  internal::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(x.get(), X509_REQ_get0_pubkey(req.get())) != 1 ||
      X509_set_issuer_name(x.get(), X509_get_subject_name(ca)) != 1) {
    return openssl_fail(Errc::crypto_failure, "X509_new");
  }
  ZTM_TRY(set_serial_and_validity(x.get(), options.serial, options.validity));
  const bool has_cn = request.identity.value.size() <= kMaxCommonNameLength;
  if (has_cn) {
    ZTM_TRY(set_common_name(X509_get_subject_name(x.get()), "CN", request.identity.value));
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, x.get(), nullptr, nullptr, 0);
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_key_usage, "critical,digitalSignature"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_ext_key_usage, "clientAuth"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_subject_key_identifier, "hash"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  ZTM_TRY_ASSIGN(auto san, make_san(request.identity, !has_cn));
  if (X509_add_ext(x.get(), san.get(), -1) != 1) {
    return openssl_fail(Errc::crypto_failure, "X509_add_ext(subjectAltName)");
  }
  if (options.crl_url) {
    ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_crl_distribution_points, "URI:" + *options.crl_url));
  }
  ZTM_TRY(sign(x.get(), ca_key.evp_pkey()));
  return Certificate::from_x509(x.get());
}

Result<Certificate> make_ca_certificate(const crypto::SignaturePrivateKey& key,
                                        std::string_view common_name, std::string_view organization,
                                        const Validity& validity,
                                        std::span<const std::string> permitted_domains,
                                        ByteView serial) {
  if (common_name.empty() || common_name.size() > kMaxCommonNameLength) {
    return fail(Errc::invalid_argument, "CA common name must be 1..64 characters");
  }
  internal::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(x.get(), key.evp_pkey()) != 1) {
    return openssl_fail(Errc::crypto_failure, "X509_new");
  }
  ZTM_TRY(set_serial_and_validity(x.get(), serial, validity));
  X509_NAME* name = X509_get_subject_name(x.get());
  ZTM_TRY(set_common_name(name, "CN", common_name));
  if (!organization.empty()) ZTM_TRY(set_common_name(name, "O", organization));
  if (X509_set_issuer_name(x.get(), name) != 1) {
    return openssl_fail(Errc::crypto_failure, "X509_set_issuer_name");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_subject_key_identifier, "hash"));
  ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!permitted_domains.empty()) {
    // The domains are checked LDH names, so they cannot inject config syntax.
    std::string value = "critical";
    for (const auto& domain : permitted_domains) {
      if (!is_valid_domain_name(domain)) {
        return fail(Errc::invalid_argument, "permitted domain is not a DNS name: " + domain);
      }
      // dNSName constraints cover subdomains already; rfc822Name and URI
      // constraints need the leading-dot form for them (RFC 5280 §4.2.1.10).
      for (const char* form : {"DNS:", "email:", "email:.", "URI:", "URI:."}) {
        value += ",permitted;";
        value += form;
        value += domain;
      }
    }
    ZTM_TRY(add_conf_ext(x.get(), &ctx, NID_name_constraints, value));
  }
  ZTM_TRY(sign(x.get(), key.evp_pkey()));
  return Certificate::from_x509(x.get());
}

}  // namespace ztm::identity
