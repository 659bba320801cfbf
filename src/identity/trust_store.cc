#include "ztm/identity/trust_store.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

#include "ztm/identity/profile.h"

namespace ztm::identity {

std::string_view anchor_role_name(AnchorRole role) {
  return role == AnchorRole::organization ? "organization" : "provider";
}

namespace {

Result<std::vector<std::string>> normalize_domains(std::vector<std::string> domains) {
  if (domains.empty()) {
    return fail(Errc::invalid_argument, "an organization anchor needs at least one domain");
  }
  for (auto& d : domains) {
    std::transform(d.begin(), d.end(), d.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!is_valid_domain_name(d)) {
      return fail(Errc::invalid_argument, "not a DNS domain: '" + d + "'");
    }
  }
  return domains;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(sep, start);
    out.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<AnchorSpec> parse_anchor_spec(std::string_view spec) {
  constexpr std::string_view kOrg = "org:";
  constexpr std::string_view kProvider = "provider:";
  if (spec.starts_with(kProvider)) {
    AnchorSpec out{AnchorRole::provider, {}, {}, std::string(spec.substr(kProvider.size()))};
    if (out.pem_path.empty()) return fail(Errc::invalid_argument, "provider anchor needs a file");
    return out;
  }
  if (!spec.starts_with(kOrg)) {
    return fail(Errc::invalid_argument,
                "anchor must be org:<name>:<domains>:<ca.pem> or provider:<ca.pem>");
  }
  const auto rest = spec.substr(kOrg.size());
  const auto name_end = rest.find(':');
  const auto domains_end =
      name_end == std::string_view::npos ? name_end : rest.find(':', name_end + 1);
  if (domains_end == std::string_view::npos) {
    return fail(Errc::invalid_argument, "anchor must be org:<name>:<domains>:<ca.pem>");
  }
  AnchorSpec out;
  out.role = AnchorRole::organization;
  out.organization = std::string(rest.substr(0, name_end));
  out.pem_path = std::string(rest.substr(domains_end + 1));
  if (out.organization.empty() || out.pem_path.empty()) {
    return fail(Errc::invalid_argument, "organization anchor needs a name and a file");
  }
  ZTM_TRY_ASSIGN(out.domains, normalize_domains(split(
                                  rest.substr(name_end + 1, domains_end - name_end - 1), ',')));
  return out;
}

Result<void> TrustStore::add(Anchor anchor) {
  if (anchors_.size() >= kMaxAnchors) {
    return fail(Errc::limit_exceeded,
                "a trust store holds at most " + std::to_string(kMaxAnchors) + " anchors");
  }
  if (X509_check_ca(anchor.certificate.x509()) < 1) {
    return fail(Errc::invalid_argument,
                "anchor is not a CA certificate: " + anchor.certificate.subject());
  }
  if (find(anchor.certificate) != nullptr) {
    // One certificate with two roles (or two scopes) would make the verdict depend
    // on lookup order; refuse it instead.
    return fail(Errc::invalid_argument,
                "certificate is already an anchor: " + anchor.certificate.subject());
  }
  anchors_.push_back(std::move(anchor));
  return ok();
}

Result<void> TrustStore::add_organization_anchor(const Certificate& ca, std::string organization,
                                                 std::vector<std::string> domains) {
  if (organization.empty()) {
    return fail(Errc::invalid_argument, "organization anchor needs a name");
  }
  ZTM_TRY_ASSIGN(auto normalized, normalize_domains(std::move(domains)));
  return add(Anchor{AnchorRole::organization, std::move(organization), std::move(normalized), ca});
}

Result<void> TrustStore::add_provider_anchor(const Certificate& ca) {
  return add(Anchor{AnchorRole::provider, {}, {}, ca});
}

Result<void> TrustStore::add_from_spec(const AnchorSpec& spec) {
  ZTM_TRY_ASSIGN(auto certs, load_pem_certificates(spec.pem_path));
  for (const auto& cert : certs) {
    if (spec.role == AnchorRole::organization) {
      ZTM_TRY(add_organization_anchor(cert, spec.organization, spec.domains));
    } else {
      ZTM_TRY(add_provider_anchor(cert));
    }
  }
  return ok();
}

const Anchor* TrustStore::find(const Certificate& cert) const {
  for (const auto& a : anchors_) {
    if (X509_cmp(a.certificate.x509(), cert.x509()) == 0) return &a;
  }
  return nullptr;
}

}  // namespace ztm::identity
