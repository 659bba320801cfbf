#include "internal/c_dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <charconv>
#include <cstring>

namespace ztm::identity::internal {

namespace {

// ResolverState owns a private resolver state (res_ninit), so that pointing it at a
// test server never changes the process-wide _res.
class ResolverState {
 public:
  ResolverState() { std::memset(&state_, 0, sizeof state_); }
  ~ResolverState() {
    if (initialized_) res_nclose(&state_);
  }
  ResolverState(const ResolverState&) = delete;
  ResolverState& operator=(const ResolverState&) = delete;

  Result<void> init(const DnsResolver& resolver) {
    if (res_ninit(&state_) != 0) return fail(Errc::io_error, "res_ninit failed");
    initialized_ = true;
    state_.retrans = 2;  // seconds per try
    state_.retry = 2;
    if (resolver.address.empty()) return ok();
    auto colon = resolver.address.rfind(':');
    if (colon == std::string::npos) {
      return fail(Errc::invalid_argument, "DNS resolver must be host:port");
    }
    std::string host = resolver.address.substr(0, colon);
    unsigned port = 0;
    const char* first = resolver.address.data() + colon + 1;
    const char* last = resolver.address.data() + resolver.address.size();
    auto [ptr, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || ptr != last || port == 0 || port > 65535) {
      return fail(Errc::invalid_argument, "DNS resolver port is invalid");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      return fail(Errc::invalid_argument, "DNS resolver address must be IPv4: " + host);
    }
    state_.nscount = 1;
    state_.nsaddr_list[0] = addr;
    // glibc prefers its IPv6 slots when set; clear them so only ours is used.
    for (auto& ext : state_._u._ext.nsaddrs) ext = nullptr;
    state_._u._ext.nscount = 0;
    return ok();
  }

  res_state get() { return &state_; }

 private:
  struct __res_state state_;
  bool initialized_ = false;
};

// query sends one query and calls on_record(rr) for each answer record of type.
template <class F>
Result<void> query(const DnsResolver& resolver, const std::string& name, int type, F on_record) {
  ResolverState state;
  ZTM_TRY(state.init(resolver));
  unsigned char answer[4096];
  int len = res_nquery(state.get(), name.c_str(), ns_c_in, type, answer, sizeof answer);
  if (len < 0) {
    int herr = state.get()->res_h_errno;
    if (herr == HOST_NOT_FOUND || herr == NO_DATA) {
      return fail(Errc::not_found, "no DNS record for " + name);
    }
    return fail(Errc::io_error, "DNS query for " + name + " failed");
  }
  ns_msg msg;
  if (ns_initparse(answer, len, &msg) != 0) {
    return fail(Errc::invalid_encoding, "malformed DNS answer for " + name);
  }
  int count = ns_msg_count(msg, ns_s_an);
  if (count > kMaxDnsAnswers) count = kMaxDnsAnswers;
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
      return fail(Errc::invalid_encoding, "malformed DNS record for " + name);
    }
    if (ns_rr_type(rr) == type) on_record(rr);
  }
  return ok();
}

}  // namespace

Result<std::vector<std::string>> dns_txt(const DnsResolver& resolver, const std::string& name) {
  std::vector<std::string> out;
  ZTM_TRY(query(resolver, name, ns_t_txt, [&](const ns_rr& rr) {
    // TXT RDATA is one or more <length><bytes> character-strings (RFC 1035 §3.3.14).
    const unsigned char* p = ns_rr_rdata(rr);
    const unsigned char* end = p + ns_rr_rdlen(rr);
    std::string value;
    while (p < end) {
      std::size_t n = *p++;
      if (n > static_cast<std::size_t>(end - p)) break;
      value.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
    out.push_back(std::move(value));
  }));
  if (out.empty()) return fail(Errc::not_found, "no TXT record for " + name);
  return out;
}

Result<std::vector<std::string>> dns_a(const DnsResolver& resolver, const std::string& name) {
  std::vector<std::string> out;
  ZTM_TRY(query(resolver, name, ns_t_a, [&](const ns_rr& rr) {
    if (ns_rr_rdlen(rr) != 4) return;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, ns_rr_rdata(rr), text, sizeof text) != nullptr) out.emplace_back(text);
  }));
  if (out.empty()) return fail(Errc::not_found, "no A record for " + name);
  return out;
}

}  // namespace ztm::identity::internal
