// AcmeServer's validation authority for "dns" identifiers: http-01 (RFC 8555 §8.3)
// and dns-01 (§8.4). One attempt each; the worker thread in ValidationQueue runs it.
#include "internal/c_acme_server_impl.h"
#include "internal/c_dns.h"
#include "internal/c_http01.h"
#include "ztm/crypto/hash.h"

namespace ztm::identity {

using internal::Problem;

namespace {

std::string trim(std::string s) {
  // §8.3: the server ignores whitespace around the key authorization.
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

Problem dns_problem(const Error& e, const std::string& name) {
  return Problem{400, "dns", "DNS lookup of " + name + " failed: " + e.message};
}

}  // namespace

std::optional<Problem> AcmeServer::Impl::validate_challenge(const ChallengeRecord& challenge,
                                                            const AuthorizationRecord& authz,
                                                            const AccountRecord& account) {
  const std::string key_auth = key_authorization(challenge.token, account);
  const std::string& name = authz.identifier.value;
  internal::DnsResolver resolver{options.dns_resolver};
  if (challenge.type == "http-01") {
    auto addresses = internal::dns_a(resolver, name);
    if (!addresses) return dns_problem(addresses.error(), name);
    const std::string path = "/.well-known/acme-challenge/" + challenge.token;
    auto response = internal::http01_get(addresses->front(), options.http01_port, name, path,
                                         options.validation_timeout);
    if (!response) {
      return Problem{
          400, "connection",
          "http-01: fetching http://" + name + path + " failed: " + response.error().message};
    }
    if (response->status != 200) {
      return Problem{
          403, "unauthorized",
          "http-01: http://" + name + path + " answered " + std::to_string(response->status)};
    }
    if (trim(response->body) != key_auth) {
      return Problem{403, "incorrectResponse",
                     "http-01: the response is not the key authorization"};
    }
    return std::nullopt;
  }
  if (challenge.type == "dns-01") {
    const std::string record_name = "_acme-challenge." + name;
    auto records = internal::dns_txt(resolver, record_name);
    if (!records) return dns_problem(records.error(), record_name);
    const std::string expected =
        base64url_encode(crypto::hash(crypto::HashId::sha256, as_bytes(key_auth)));
    for (const auto& r : *records) {
      if (r == expected) return std::nullopt;
    }
    return Problem{
        403, "incorrectResponse",
        "dns-01: no TXT record at " + record_name + " holds the key authorization digest"};
  }
  return Problem{400, "malformed", "challenge type " + challenge.type + " is not checked here"};
}

}  // namespace ztm::identity
