// The credential profile's name, key and extension rules (docs/identity.md).
#include "ztm/identity/profile.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

#include "internal/a_openssl.h"
#include "internal/a_profile.h"

namespace ztm::identity {

using crypto::SignatureScheme;

std::string_view identity_kind_name(IdentityKind kind) {
  switch (kind) {
    case IdentityKind::user:
      return "user";
    case IdentityKind::device:
      return "device";
    case IdentityKind::service:
      return "service";
  }
  return "unknown";
}

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_ldh(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
}

// Mailbox local parts are restricted to RFC 5322 dot-atom text: quoted local parts
// and comments are legal in mail but not needed for identities and invite confusion.
bool is_valid_local_part(std::string_view local) {
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') {
    return false;
  }
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-.";
  char previous = 0;
  for (char c : local) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                    kSpecials.find(c) != std::string_view::npos;
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

Result<std::string> uri_host(std::string_view uri) {
  const auto sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return fail(Errc::invalid_argument, "service URI needs the form scheme://host/...");
  }
  const auto scheme = uri.substr(0, sep);
  if (std::isalpha(static_cast<unsigned char>(scheme[0])) == 0) {
    return fail(Errc::invalid_argument, "service URI scheme must start with a letter");
  }
  for (char c : scheme) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '-' && c != '.') {
      return fail(Errc::invalid_argument, "service URI scheme has an invalid character");
    }
  }
  const auto rest = uri.substr(sep + 3);
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return fail(Errc::invalid_argument, "service URI must not carry userinfo");
  }
  const auto host = authority.substr(0, authority.find(':'));
  if (!is_valid_domain_name(host)) {
    return fail(Errc::invalid_argument, "service URI host is not a DNS name");
  }
  for (char c : uri) {
    if (c <= 0x20 || c >= 0x7f) {
      return fail(Errc::invalid_argument, "service URI has a control, space or non-ASCII byte");
    }
  }
  return lowercase(host);
}

}  // namespace

bool is_valid_domain_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t labels = 0;
  std::string_view last_label;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const auto label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(), is_ldh)) return false;
    ++labels;
    last_label = label;
    start = end + 1;
  }
  // An all-numeric last label is an IPv4 literal, not a domain.
  const bool numeric_tld = std::all_of(last_label.begin(), last_label.end(),
                                       [](unsigned char c) { return std::isdigit(c) != 0; });
  return labels >= 2 && !numeric_tld;
}

bool domain_in_scope(std::string_view domain, std::string_view scope) {
  if (scope.empty() || domain.size() < scope.size()) return false;
  if (domain == scope) return true;
  return domain.size() > scope.size() && domain.ends_with(scope) &&
         domain[domain.size() - scope.size() - 1] == '.';
}

Result<std::string> identity_domain(const Identity& identity) {
  const std::string_view v = identity.value;
  switch (identity.kind) {
    case IdentityKind::user: {
      const auto at = v.find('@');
      if (at == std::string_view::npos || v.find('@', at + 1) != std::string_view::npos) {
        return fail(Errc::invalid_argument, "email must contain exactly one '@'");
      }
      if (!is_valid_local_part(v.substr(0, at))) {
        return fail(Errc::invalid_argument, "email local part is not a dot-atom");
      }
      const auto domain = v.substr(at + 1);
      if (!is_valid_domain_name(domain)) {
        return fail(Errc::invalid_argument, "email domain is not a DNS name");
      }
      return lowercase(domain);
    }
    case IdentityKind::device:
      if (!is_valid_domain_name(v)) {
        return fail(Errc::invalid_argument, "device name is not a DNS name (no wildcards)");
      }
      return lowercase(v);
    case IdentityKind::service:
      return uri_host(v);
  }
  return fail(Errc::invalid_argument, "unknown identity kind");
}

Result<SignatureScheme> signature_scheme_for_suite(std::uint16_t cipher_suite) {
  // RFC 9420 §17.1, table of MLS cipher suites.
  switch (cipher_suite) {
    case 1:
    case 3:
      return SignatureScheme::ed25519;
    case 2:
      return SignatureScheme::ecdsa_secp256r1_sha256;
    case 4:
    case 6:
      return SignatureScheme::ed448;
    case 5:
      return SignatureScheme::ecdsa_secp521r1_sha512;
    case 7:
      return SignatureScheme::ecdsa_secp384r1_sha384;
    default:
      return fail(Errc::unsupported, "unknown MLS cipher suite " + std::to_string(cipher_suite));
  }
}

namespace internal {

Result<Identity> identity_from_extensions(const STACK_OF(X509_EXTENSION) * extensions) {
  int critical = -1;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(extensions, NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    // -1: absent; -2: present more than once; otherwise undecodable.
    return fail(Errc::protocol_violation, critical == -1 ? "no subjectAltName"
                                          : critical == -2
                                              ? "more than one subjectAltName extension"
                                              : "subjectAltName is malformed");
  }
  if (sk_GENERAL_NAME_num(names.get()) != 1) {
    return fail(Errc::protocol_violation, "subjectAltName must hold exactly one name, has " +
                                              std::to_string(sk_GENERAL_NAME_num(names.get())));
  }
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), 0);
  IdentityKind kind{};
  const ASN1_IA5STRING* text = nullptr;
  switch (gn->type) {
    case GEN_EMAIL:
      kind = IdentityKind::user;
      text = gn->d.rfc822Name;
      break;
    case GEN_DNS:
      kind = IdentityKind::device;
      text = gn->d.dNSName;
      break;
    case GEN_URI:
      kind = IdentityKind::service;
      text = gn->d.uniformResourceIdentifier;
      break;
    default:
      return fail(Errc::protocol_violation, "subjectAltName must be an rfc822Name, dNSName or URI");
  }
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(text));
  const auto length = static_cast<std::size_t>(ASN1_STRING_length(text));
  Identity identity{kind, std::string(data, length)};
  // An embedded NUL would make C-string consumers see a different name.
  if (identity.value.find('\0') != std::string::npos) {
    return fail(Errc::protocol_violation, "subjectAltName contains a NUL byte");
  }
  auto domain = identity_domain(identity);
  if (!domain) {
    return fail(Errc::protocol_violation, "subjectAltName: " + domain.error().message);
  }
  return identity;
}

Result<crypto::EncodedPublicKey> profile_public_key(EVP_PKEY* key) {
  // No key: a malformed SubjectPublicKeyInfo, or a type certificates are not parsed
  // for (internal/a_parsing_context.h).
  if (key == nullptr) {
    return fail(Errc::invalid_key,
                "leaf key is malformed or of an unsupported type (must be Ed25519, Ed448 or "
                "ECDSA P-256/384/521)");
  }
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
    case EVP_PKEY_EC:
      break;
    default:
      return fail(Errc::unsupported, "leaf key must be Ed25519, Ed448 or ECDSA P-256/384/521");
  }
  return crypto::public_key_from_evp(key);
}

}  // namespace internal

Result<Identity> leaf_identity(const Certificate& leaf) {
  auto identity = internal::identity_from_extensions(X509_get0_extensions(leaf.x509()));
  if (!identity) return fail(identity.error().code, "leaf " + identity.error().message);
  return identity;
}

Result<crypto::EncodedPublicKey> leaf_public_key(const Certificate& leaf) {
  return internal::profile_public_key(X509_get0_pubkey(leaf.x509()));
}

Result<void> check_leaf_profile(const Certificate& leaf, const Identity& identity,
                                SignatureScheme scheme) {
  X509* x = leaf.x509();
  if (X509_get_version(x) != X509_VERSION_3) {
    return fail(Errc::protocol_violation, "leaf is not an X.509 v3 certificate");
  }
  const uint32_t flags = X509_get_extension_flags(x);
  if ((flags & EXFLAG_INVALID) != 0) {
    return fail(Errc::protocol_violation, "leaf has a malformed or duplicated extension");
  }
  if ((flags & EXFLAG_BCONS) == 0) {
    return fail(Errc::protocol_violation, "leaf lacks basicConstraints (CA:FALSE required)");
  }
  if ((flags & EXFLAG_CA) != 0) {
    return fail(Errc::protocol_violation, "leaf is a CA certificate (basicConstraints CA:TRUE)");
  }
  if ((flags & EXFLAG_KUSAGE) == 0) {
    return fail(Errc::protocol_violation, "leaf lacks keyUsage (digitalSignature required)");
  }
  const uint32_t ku = X509_get_key_usage(x);
  if ((ku & KU_DIGITAL_SIGNATURE) == 0) {
    return fail(Errc::protocol_violation, "leaf keyUsage lacks digitalSignature");
  }
  if ((ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0) {
    return fail(Errc::protocol_violation, "leaf keyUsage allows keyCertSign or cRLSign");
  }
  if ((flags & EXFLAG_XKUSAGE) != 0) {
    const uint32_t xku = X509_get_extended_key_usage(x);
    if ((xku & XKU_ANYEKU) != 0) {
      return fail(Errc::protocol_violation,
                  "leaf extendedKeyUsage must not be anyExtendedKeyUsage");
    }
    const bool client = (xku & XKU_SSL_CLIENT) != 0;
    const bool server = (xku & XKU_SSL_SERVER) != 0;
    if (!client && !(server && identity.kind == IdentityKind::device)) {
      return fail(Errc::protocol_violation,
                  identity.kind == IdentityKind::device
                      ? "device leaf extendedKeyUsage needs clientAuth or serverAuth"
                      : "leaf extendedKeyUsage needs clientAuth");
    }
  }
  ZTM_TRY_ASSIGN(auto key, leaf_public_key(leaf));
  if (key.scheme != scheme) {
    return fail(Errc::protocol_violation,
                "leaf key is " + std::string(crypto::signature_scheme_name(key.scheme)) +
                    " but the cipher suite signs with " +
                    std::string(crypto::signature_scheme_name(scheme)));
  }
  return ok();
}

}  // namespace ztm::identity
