#include "internal/a_path.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "internal/a_openssl.h"

namespace ztm::identity::internal {

namespace {

bool is_not_yet_valid(int error) {
  return error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CRL_NOT_YET_VALID;
}

bool is_expired(int error) {
  return error == X509_V_ERR_CERT_HAS_EXPIRED || error == X509_V_ERR_CRL_HAS_EXPIRED;
}

PathCheck verify_once(X509_STORE* store, const std::vector<Certificate>& presented,
                      STACK_OF(X509_CRL) * crls, time_t at, std::size_t max_chain_length) {
  PathCheck out;
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509StackPtr untrusted(sk_X509_new_null());
  if (!ctx || !untrusted) {
    out.error = X509_V_ERR_OUT_OF_MEM;
    out.message = "out of memory";
    return out;
  }
  for (std::size_t i = 1; i < presented.size(); ++i) {
    if (sk_X509_push(untrusted.get(), presented[i].x509()) == 0) {
      out.error = X509_V_ERR_OUT_OF_MEM;
      out.message = "out of memory";
      return out;
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store, presented.front().x509(), untrusted.get()) != 1) {
    out.error = X509_V_ERR_UNSPECIFIED;
    out.message = openssl_error(Errc::crypto_failure, "X509_STORE_CTX_init").message;
    return out;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // X509_STRICT: RFC 5280 conformance checks (critical CA basicConstraints, key
  // identifiers, ...). PARTIAL_CHAIN: an anchor is any configured CA certificate,
  // self-signed or not (RFC 5280 §6.1.1 trust anchors are name + key).
  unsigned long flags = X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN;
  if (crls != nullptr) {
    flags |= X509_V_FLAG_CRL_CHECK;
    X509_STORE_CTX_set0_crls(ctx.get(), crls);
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  // Depth counts the intermediates only: neither leaf nor anchor.
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(max_chain_length) - 2);
  X509_VERIFY_PARAM_set_time(param, at);
  // Level 2: at least 112-bit security (RSA >= 2048, ECC >= 224) on every key.
  X509_VERIFY_PARAM_set_auth_level(param, 2);
  if (X509_verify_cert(ctx.get()) == 1) {
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      out.path.push_back(Certificate::from_x509(sk_X509_value(chain, i)));
    }
    if (out.path.size() > max_chain_length) {
      out.error = X509_V_ERR_CERT_CHAIN_TOO_LONG;
      out.message = "path longer than " + std::to_string(max_chain_length) + " certificates";
      out.path.clear();
    }
    ERR_clear_error();
    return out;
  }
  out.error = X509_STORE_CTX_get_error(ctx.get());
  out.depth = X509_STORE_CTX_get_error_depth(ctx.get());
  out.message = X509_verify_cert_error_string(out.error);
  if (X509* current = X509_STORE_CTX_get_current_cert(ctx.get())) {
    out.message += " (depth " + std::to_string(out.depth) + ", " +
                   Certificate::from_x509(current).subject() + ")";
  }
  if (out.error == X509_V_ERR_CERT_CHAIN_TOO_LONG) {
    out.message += "; at most " + std::to_string(max_chain_length) + " certificates allowed";
  }
  ERR_clear_error();
  return out;
}

}  // namespace

bool is_validity_error(int error) {
  return error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CERT_HAS_EXPIRED;
}

PathCheck verify_path(X509_STORE* store, const std::vector<Certificate>& presented,
                      STACK_OF(X509_CRL) * crls, TimePoint now, std::chrono::seconds skew,
                      std::size_t max_chain_length) {
  const time_t at = to_time_t(now);
  PathCheck out = verify_once(store, presented, crls, at, max_chain_length);
  if (is_not_yet_valid(out.error)) {
    out = verify_once(store, presented, crls, at + skew.count(), max_chain_length);
  } else if (is_expired(out.error)) {
    out = verify_once(store, presented, crls, at - skew.count(), max_chain_length);
  }
  return out;
}

std::vector<std::string> crl_urls(const Certificate& cert) {
  std::vector<std::string> out;
  auto* points = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert.x509(), NID_crl_distribution_points, nullptr, nullptr));
  if (points == nullptr) return out;
  for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(points, i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
    const GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
      if (gn->type != GEN_URI) continue;
      const auto* s = gn->d.uniformResourceIdentifier;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
  }
  CRL_DIST_POINTS_free(points);
  return out;
}

}  // namespace ztm::identity::internal
