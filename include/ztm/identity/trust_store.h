// TrustStore: the anchors a client trusts, each with a role (docs/identity.md,
// "Trust model"). An organization anchor vouches for identities in the domains the
// organization owns ("verified"); a provider anchor only authenticates
// ("provider_authenticated", never verified).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/identity/certificate.h"

namespace ztm::identity {

enum class AnchorRole : std::uint8_t { organization, provider };

std::string_view anchor_role_name(AnchorRole role);

// Anchor is one trusted CA certificate (RFC 5280 §6.1.1 trust anchor: its name and
// key; it need not be self-signed). domains are lowercase DNS names; an identity is
// in scope when its domain equals one of them or is a subdomain of one.
struct Anchor {
  AnchorRole role;
  std::string organization;          // empty for provider anchors
  std::vector<std::string> domains;  // empty for provider anchors
  Certificate certificate;
};

// AnchorSpec is the command-line form of an anchor:
//   org:<organization>:<domain>[,<domain>...]:<ca.pem>
//   provider:<ca.pem>
// The file part is everything after the last field separator it needs, so paths
// may contain ':'.
struct AnchorSpec {
  AnchorRole role;
  std::string organization;
  std::vector<std::string> domains;
  std::string pem_path;
};

// parse_anchor_spec parses the text above; malformed text, an empty organization or
// an invalid domain is invalid_argument.
Result<AnchorSpec> parse_anchor_spec(std::string_view spec);

// kMaxAnchors bounds a trust store; path building looks each issuer up among them.
inline constexpr std::size_t kMaxAnchors = 256;

// TrustStore holds anchors. It is a plain value: copy it into each validator.
class TrustStore {
 public:
  // add_organization_anchor trusts ca for identities in domains (at least one, each
  // a valid DNS name; lowercased here). The CA's own name constraints, if any, are
  // enforced on top by path validation. A certificate that is already an anchor,
  // or that is not a CA certificate, is invalid_argument.
  Result<void> add_organization_anchor(const Certificate& ca, std::string organization,
                                       std::vector<std::string> domains);
  // add_provider_anchor trusts ca to authenticate, never to verify.
  Result<void> add_provider_anchor(const Certificate& ca);
  // add_from_spec loads every certificate in the spec's PEM file as an anchor.
  Result<void> add_from_spec(const AnchorSpec& spec);

  // find returns the anchor whose certificate equals cert, or nullptr.
  const Anchor* find(const Certificate& cert) const;

  const std::vector<Anchor>& anchors() const { return anchors_; }
  bool empty() const { return anchors_.empty(); }

 private:
  Result<void> add(Anchor anchor);
  std::vector<Anchor> anchors_;
};

}  // namespace ztm::identity
