// A synchronous HTTP/1.1 client over TCP or TLS (the ACME client, challenge
// validation, test helpers). One connection per request: ACME exchanges are few and
// small, and a fresh connection keeps the state trivially correct.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "ztm/base/error.h"
#include "ztm/http/message.h"

namespace ztm::http {

// ClientOptions bounds and secures one request.
struct ClientOptions {
  // ca_bundle_file is a PEM file of trust anchors for https URLs. Empty means the
  // system's default trust store. The server certificate must chain to one of them
  // and match the URL's host (DNS name or IP address, RFC 6125); SNI is sent for
  // DNS names.
  std::string ca_bundle_file;
  // timeout bounds the whole exchange: resolve, connect, handshake, write, read.
  std::chrono::milliseconds timeout{30'000};
  // max_response_body_bytes bounds the body we accept; a larger one is
  // limit_exceeded. Headers are bounded by Beast's default (8 KiB).
  std::size_t max_response_body_bytes = 4 * 1024 * 1024;
};

// parse_url splits an absolute http or https URL. Userinfo and fragments are
// rejected (invalid_argument); the port defaults to 80/443.
Result<Url> parse_url(std::string_view url);

// request performs one HTTP request and returns the response, whatever its status.
// Errors: invalid_argument (bad URL), io_error (resolve/connect/TLS/protocol),
// untrusted (certificate verification failed), timeout, limit_exceeded (body too
// large). A Host header and, for a non-empty body, Content-Length are added;
// redirects are not followed (ACME never needs it).
Result<Response> request(std::string_view method, std::string_view url, const Headers& headers,
                         std::string_view body, const ClientOptions& options = {});

}  // namespace ztm::http
