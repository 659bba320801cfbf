#include "ztm/mls/messages/credential.h"

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

CredentialType Credential::type() const {
  switch (value.index()) {
    case 0:
      return CredentialType::basic;
    case 1:
      return CredentialType::x509;
    default:
      return std::get<UnknownCredential>(value).credential_type;
  }
}

void Credential::tls_encode(tls::Writer& w) const {
  tls::write(w, type());
  if (const auto* b = std::get_if<BasicCredential>(&value)) {
    w.opaque(b->identity);
  } else if (const auto* x = std::get_if<X509Credential>(&value)) {
    tls::write(w, x->certificates);
  } else {
    w.opaque(std::get<UnknownCredential>(value).content);
  }
}

Result<void> Credential::tls_decode(tls::Reader& r) {
  CredentialType t{};
  ZTM_TRY(tls::read(r, t));
  switch (t) {
    case CredentialType::basic: {
      BasicCredential b;
      ZTM_TRY(tls::read(r, b.identity));
      value = std::move(b);
      return ok();
    }
    case CredentialType::x509: {
      X509Credential x;
      ZTM_TRY(internal::read_bounded_vector(r, x.certificates, limits::kMaxCertificateChain,
                                            "credential.x509_chain"));
      value = std::move(x);
      return ok();
    }
    default: {
      UnknownCredential u{t, {}};
      ZTM_TRY(tls::read(r, u.content));
      value = std::move(u);
      return ok();
    }
  }
}

std::size_t Credential::tls_size() const {
  std::size_t n = 2;
  if (const auto* b = std::get_if<BasicCredential>(&value)) {
    n += internal::opaque_size(b->identity.size());
  } else if (const auto* x = std::get_if<X509Credential>(&value)) {
    n += internal::vector_size(x->certificates);
  } else {
    n += internal::opaque_size(std::get<UnknownCredential>(value).content.size());
  }
  return n;
}

}  // namespace ztm::mls
