// Credential (RFC 9420 §5.3): who a member claims to be, bound to its signature key.
#pragma once

#include <cstddef>
#include <variant>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct { opaque cert_data<V>; } Certificate;   (RFC 9420 §5.3)
struct Certificate {
  Bytes cert_data;
  ZTM_TLS_FIELDS(cert_data)
  bool operator==(const Certificate&) const = default;
};

// BasicCredential is the `basic` arm: an application-defined identity.
struct BasicCredential {
  Bytes identity;
  bool operator==(const BasicCredential&) const = default;
};

// X509Credential is the `x509` arm: a DER certificate chain, end-entity first.
struct X509Credential {
  std::vector<Certificate> certificates;
  bool operator==(const X509Credential&) const = default;
};

// UnknownCredential holds a credential type ztmeet does not implement. RFC 9420 does
// not define the body of future types; like other implementations, ztmeet reads it
// as one opaque<V> so that such a credential can be carried, hashed and re-encoded
// unchanged. It never passes credential validation.
struct UnknownCredential {
  CredentialType credential_type{};
  Bytes content;
  bool operator==(const UnknownCredential&) const = default;
};

// struct {
//     CredentialType credential_type;
//     select (Credential.credential_type) {
//         case basic: opaque identity<V>;
//         case x509:  Certificate certificates<V>;
//     };
// } Credential;   (RFC 9420 §5.3)
struct Credential {
  std::variant<BasicCredential, X509Credential, UnknownCredential> value;

  static Credential basic(Bytes identity) { return {BasicCredential{std::move(identity)}}; }
  static Credential x509(std::vector<Certificate> chain) {
    return {X509Credential{std::move(chain)}};
  }

  CredentialType type() const;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Credential&) const = default;
};

}  // namespace ztm::mls
