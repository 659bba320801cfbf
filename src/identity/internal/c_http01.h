// c_http01: the one HTTP request of an http-01 validation (RFC 8555 §8.3): a GET of
// /.well-known/acme-challenge/<token> sent to a resolved IPv4 address and port with
// the identifier as the Host header. The general client (ztm/http/client.h) always
// derives Host from the URL it connects to, so it cannot connect to an address the
// CA resolved itself (through its configured DNS server) while naming the domain;
// this plain-socket GET does exactly that and nothing more (no TLS, no redirects,
// no keep-alive).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ztm/base/error.h"

namespace ztm::identity::internal {

// kMaxHttp01ResponseBytes bounds what we read: a key authorization is ~90 bytes, and
// §8.3 lets the CA stop after a small response.
inline constexpr std::size_t kMaxHttp01ResponseBytes = 16 * 1024;

struct Http01Response {
  int status = 0;
  std::string body;
};

// http01_get fetches path from address:port with Host: host. io_error when the
// connection fails, timeout past timeout, invalid_encoding for a response that is
// not HTTP/1.x.
Result<Http01Response> http01_get(const std::string& address, std::uint16_t port,
                                  const std::string& host, const std::string& path,
                                  std::chrono::milliseconds timeout);

}  // namespace ztm::identity::internal
