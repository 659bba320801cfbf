// AcmeServer: finalize (RFC 8555 §7.4), certificate download (§7.4.2), revocation
// (§7.6) and the CRL the issued certificates point to.
#include <algorithm>

#include "internal/c_acme_server_impl.h"
#include "internal/c_form.h"
#include "ztm/identity/profile.h"

namespace ztm::identity {

using internal::Outcome;
using internal::Problem;
using internal::problem;
using json = nlohmann::json;

namespace {

// Reasons a subscriber may give (RFC 5280 §5.3.1): unspecified, keyCompromise,
// affiliationChanged, superseded, cessationOfOperation. The others are for CAs.
bool allowed_reason(int reason) {
  return reason == 0 || reason == 1 || reason == 3 || reason == 4 || reason == 5;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// identity_matches compares the CSR's one identity with the order's one identifier:
// dns <-> device (case-insensitive), email <-> user (domain case-insensitive).
bool identity_matches(const Identity& identity, const AcmeIdentifier& id) {
  if (id.type == "dns") {
    return identity.kind == IdentityKind::device && lower(identity.value) == id.value;
  }
  if (id.type == "email") {
    if (identity.kind != IdentityKind::user) return false;
    auto at = identity.value.rfind('@');
    if (at == std::string::npos) return false;
    return identity.value.substr(0, at) + lower(identity.value.substr(at)) == id.value;
  }
  return false;
}

// kCrlRemakeAfter is how long a signed CRL is served before it is remade (at once
// after a revocation); each CRL is current for options.crl_lifetime.
constexpr std::chrono::seconds kCrlRemakeAfter{300};

}  // namespace

Outcome<http::Response> AcmeServer::Impl::finalize(const http::Request& request,
                                                   const std::string& id) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  auto record = store->order(id);
  if (!record) return tl::unexpected(internal::internal_problem(record.error()));
  if (!*record || (*record)->account_id != auth->account->id) {
    return problem(404, "malformed", "no such order");
  }
  auto order = refresh_order(std::move(**record));
  if (!order) return tl::unexpected(internal::internal_problem(order.error()));
  if (order->status != "ready") {
    return problem(403, "orderNotReady", "the order is " + order->status + ", not ready");
  }
  const json& p = auth->payload;
  if (!p.is_object() || !p.contains("csr") || !p["csr"].is_string()) {
    return problem(400, "malformed", "finalize needs a \"csr\" (§7.4)");
  }
  auto csr_der = base64url_decode(p["csr"].get<std::string>());
  if (!csr_der) return problem(400, "badCSR", "the CSR is not base64url");
  auto csr = parse_csr(*csr_der);
  if (!csr) return problem(400, "badCSR", csr.error().message);
  if (!identity_matches(csr->identity, order->identifiers.front())) {
    return problem(
        400, "badCSR",
        "the CSR names " + csr->identity.value + ", the order " + order->identifiers.front().value);
  }
  // §11.1: the certificate key must not be the account key.
  if (auth->key && csr->public_key.scheme == auth->key->scheme &&
      equal(csr->public_key.public_key, auth->key->public_key)) {
    return problem(400, "badCSR", "the CSR's key is the account key");
  }
  auto cert = ca.issue(*csr_der, options.certificate_lifetime, options.crl_url);
  if (!cert) {
    if (cert.error().code == Errc::protocol_violation || cert.error().code == Errc::unsupported) {
      return problem(400, "badCSR", cert.error().message);
    }
    return tl::unexpected(internal::internal_problem(cert.error()));
  }
  CertificateRecord record_out;
  record_out.id = AcmeStore::new_id();
  record_out.order_id = order->id;
  record_out.account_id = order->account_id;
  record_out.serial_hex = lower(cert->serial_hex());
  record_out.der = cert->der();
  record_out.chain_pem = cert->pem() + ca.certificate().pem();
  record_out.not_after_unix =
      std::chrono::duration_cast<std::chrono::seconds>(cert->not_after().time_since_epoch())
          .count();
  if (auto r = store->insert_certificate(record_out); !r) {
    return tl::unexpected(internal::internal_problem(r.error()));
  }
  order->status = "valid";
  order->certificate_id = record_out.id;
  if (auto r = store->update_order(*order); !r) {
    return tl::unexpected(internal::internal_problem(r.error()));
  }
  return order_response(200, *order, true);
}

Outcome<http::Response> AcmeServer::Impl::certificate(const http::Request& request,
                                                      const std::string& id) {
  auto auth = authenticate(request, false, false);
  if (!auth) return tl::unexpected(auth.error());
  auto record = store->certificate(id);
  if (!record) return tl::unexpected(internal::internal_problem(record.error()));
  if (!*record || (*record)->account_id != auth->account->id) {
    return problem(404, "malformed", "no such certificate");
  }
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", "application/pem-certificate-chain");
  r.body = (*record)->chain_pem;
  return r;
}

Outcome<http::Response> AcmeServer::Impl::revoke(const http::Request& request) {
  auto auth = authenticate(request, /*allow_jwk=*/true, /*require_jwk=*/false);
  if (!auth) return tl::unexpected(auth.error());
  const json& p = auth->payload;
  if (!p.is_object() || !p.contains("certificate") || !p["certificate"].is_string()) {
    return problem(400, "malformed", "revokeCert needs a \"certificate\" (§7.6)");
  }
  int reason = 0;
  if (p.contains("reason")) {
    if (!p["reason"].is_number_integer()) return problem(400, "malformed", "bad \"reason\"");
    reason = p["reason"].get<int>();
    if (!allowed_reason(reason)) {
      return problem(400, "badRevocationReason", "reason " + std::to_string(reason));
    }
  }
  auto der = base64url_decode(p["certificate"].get<std::string>());
  if (!der) return problem(400, "malformed", "the certificate is not base64url");
  auto cert = Certificate::from_der(*der);
  if (!cert) return problem(400, "malformed", cert.error().message);
  auto record = store->certificate_by_serial(lower(cert->serial_hex()));
  if (!record) return tl::unexpected(internal::internal_problem(record.error()));
  if (!*record || !equal((*record)->der, *der)) {
    return problem(404, "malformed", "this CA did not issue that certificate");
  }
  // §7.6: the account that ordered it, or the holder of the certificate's key.
  if (auth->account) {
    if (auth->account->id != (*record)->account_id) {
      return problem(403, "unauthorized", "this account did not order that certificate");
    }
  } else {
    auto leaf_key = leaf_public_key(*cert);
    if (!leaf_key || !auth->key || leaf_key->scheme != auth->key->scheme ||
        !equal(leaf_key->public_key, auth->key->public_key)) {
      return problem(403, "unauthorized", "the JWS key is not the certificate's key");
    }
  }
  if ((*record)->revoked) return problem(400, "alreadyRevoked", "already revoked");
  if (auto r = store->revoke_certificate((*record)->id, now_unix(), reason); !r) {
    if (r.error().code == Errc::invalid_state) {
      return problem(400, "alreadyRevoked", "already revoked");
    }
    return tl::unexpected(internal::internal_problem(r.error()));
  }
  {
    std::lock_guard lock(crl_mutex);
    crl_der.reset();  // the next fetch lists this certificate
  }
  http::Response r;
  r.status = 200;
  return r;
}

http::Response AcmeServer::Impl::crl() {
  const std::int64_t now = now_unix();
  std::lock_guard lock(crl_mutex);
  if (!crl_der || now - crl_made_unix >= kCrlRemakeAfter.count()) {
    auto revoked = store->revoked_certificates(now);
    if (!revoked) return internal::problem_response(internal::internal_problem(revoked.error()));
    std::vector<RevokedCertificate> entries;
    for (const auto& c : *revoked) {
      auto serial = from_hex(c.serial_hex);
      if (!serial) continue;
      entries.push_back(RevokedCertificate{
          std::move(*serial),
          std::chrono::system_clock::time_point(std::chrono::seconds(c.revoked_unix)),
          c.revocation_reason});
    }
    // The CRL number must grow with each CRL (RFC 5280 §5.2.3): the issue time in
    // seconds does, across restarts too; two CRLs in one second are identical.
    auto made = ca.crl(entries, std::chrono::system_clock::time_point(std::chrono::seconds(now)),
                       options.crl_lifetime, static_cast<std::uint64_t>(now));
    if (!made) return internal::problem_response(internal::internal_problem(made.error()));
    crl_der = made->der();
    crl_made_unix = now;
  }
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", "application/pkix-crl");
  r.body.assign(crl_der->begin(), crl_der->end());
  return r;
}

http::Response AcmeServer::handle_crl(const http::Request& request) {
  auto [path, query] = internal::split_target(request.target);
  if (request.method == "GET" && path == "/crl") return impl_->crl();
  if (request.method == "GET" && path == "/ca.pem") {
    http::Response r;
    r.headers.set("Content-Type", "application/pem-certificate-chain");
    r.body = impl_->ca.certificate().pem();
    return r;
  }
  http::Response r;
  r.status = 404;
  return r;
}

}  // namespace ztm::identity
