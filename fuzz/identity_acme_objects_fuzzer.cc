// Fuzzes the ACME client's parsers of what a CA answers (RFC 8555 §7.1): the
// directory, orders, authorizations, challenges (sso-01's extra fields included),
// identifiers and problem documents, from one JSON document; the same bytes as the
// PEM certificate chain a CA hands out (§7.4.2) and as a URL (the client requests
// the URLs a CA names).
// Invariants: no crash; whatever is accepted has the members the client relies on
// (a directory's newNonce/newAccount/newOrder URLs, an order's finalize URL, a
// challenge's type and URL); an accepted URL has a host and an http(s) scheme.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ztm/http/client.h"
#include "ztm/identity/acme_types.h"
#include "ztm/identity/certificate.h"
#include "ztm/identity/sso_challenge.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm::identity;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto chain = parse_pem_certificates(text)) {
    if (chain->empty()) std::abort();
  }
  if (auto url = ztm::http::parse_url(text)) {
    if (url->host.empty()) std::abort();
  }
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  if (auto d = parse_directory(j)) {
    if (d->new_nonce.empty() || d->new_account.empty() || d->new_order.empty()) std::abort();
  }
  if (auto o = parse_order(j, "https://ca.example.test/order/1")) {
    if (o->finalize.empty()) std::abort();
  }
  (void)parse_authorization(j, "https://ca.example.test/authz/1");
  if (auto c = parse_challenge(j)) {
    if (c->type.empty() || c->url.empty()) std::abort();
  }
  (void)parse_identifier(j);
  (void)parse_sso_challenge(j);
  const AcmeProblem p = parse_problem(j, 400);
  (void)p.acme_type();
  (void)p.to_error();
  return 0;
}
