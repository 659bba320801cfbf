// c_dns: the DNS lookups the ACME server's validation authority makes: TXT records
// for dns-01 (RFC 8555 §8.4) and A records for the host of an http-01 check
// (§8.3). A resolver "host:port" can be configured, as Pebble's -dnsserver, so that
// tests point the CA at a loopback DNS server (pebble-challtestsrv); empty means the
// system resolver from /etc/resolv.conf. Blocking, bounded by a few seconds.
#pragma once

#include <string>
#include <vector>

#include "ztm/base/error.h"

namespace ztm::identity::internal {

// DnsResolver is an IPv4 "a.b.c.d:port" or empty for the system's resolver.
struct DnsResolver {
  std::string address;
};

// kMaxDnsAnswers bounds the records we read from one answer.
inline constexpr int kMaxDnsAnswers = 32;

// dns_txt returns the TXT records of name (each record's strings joined, as RFC 8555
// §8.4 expects a single digest string per record). A name without TXT records is
// not_found; a resolver that does not answer is timeout/io_error.
Result<std::vector<std::string>> dns_txt(const DnsResolver& resolver, const std::string& name);

// dns_a returns the IPv4 addresses of name in dotted form.
Result<std::vector<std::string>> dns_a(const DnsResolver& resolver, const std::string& name);

}  // namespace ztm::identity::internal
