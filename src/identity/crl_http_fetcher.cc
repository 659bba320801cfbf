// HttpCrlFetcher over the HTTP layer's client (one GET per CRL).
#include "ztm/http/client.h"
#include "ztm/identity/crl.h"

namespace ztm::identity {

Result<Bytes> HttpCrlFetcher::fetch(const std::string& url, std::size_t max_size_bytes) {
  // https would need a certificate check that may itself need this CRL
  // (RFC 5280 §4.2.1.13); the CRL is signed, so plain http is sufficient.
  if (!url.starts_with("http://")) {
    return fail(Errc::unsupported, "CRL distribution point must be an http:// URL: " + url);
  }
  http::ClientOptions options;
  options.timeout = timeout_;
  options.max_response_body_bytes = max_size_bytes;
  ZTM_TRY_ASSIGN(auto response, http::request("GET", url, {}, {}, options));
  if (response.status != 200) {
    return fail(Errc::io_error,
                "CRL fetch " + url + " answered HTTP " + std::to_string(response.status));
  }
  return to_bytes(response.body);
}

}  // namespace ztm::identity
