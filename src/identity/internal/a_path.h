// RFC 5280 path validation through OpenSSL's X509_verify_cert, with ztmeet's fixed
// flags, bounds and clock-skew rule, used by the Validator.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <string>
#include <vector>

#include "ztm/identity/certificate.h"

namespace ztm::identity::internal {

// PathCheck is the outcome of one path validation: X509_V_OK and the path (leaf
// first, anchor last), or an X509_V_ERR_* code with the failing certificate's depth
// and a message for people.
struct PathCheck {
  int error = X509_V_OK;
  int depth = 0;
  std::string message;
  std::vector<Certificate> path;
};

// verify_path validates presented (leaf first, then untrusted intermediates) against
// the anchors in store, at now; a time-validity failure is retried once at
// now + skew (not yet valid) or now - skew (expired). With crls (non-null), the
// leaf's revocation is checked too (X509_V_FLAG_CRL_CHECK). max_chain_length counts
// leaf and anchor.
PathCheck verify_path(X509_STORE* store, const std::vector<Certificate>& presented,
                      STACK_OF(X509_CRL) * crls, TimePoint now, std::chrono::seconds skew,
                      std::size_t max_chain_length);

// crl_urls lists the URI full names of a certificate's cRLDistributionPoints.
std::vector<std::string> crl_urls(const Certificate& cert);

// is_validity_error says whether an X509_V_ERR_* code is a certificate outside its
// validity period.
bool is_validity_error(int error);

}  // namespace ztm::identity::internal
