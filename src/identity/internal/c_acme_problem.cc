#include "internal/c_acme_problem.h"

#include <ctime>

namespace ztm::identity::internal {

nlohmann::json Problem::to_json() const {
  return {{"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}, {"status", status}};
}

Problem problem_for_jws(const Error& error) {
  switch (error.code) {
    case Errc::unsupported:
      return Problem{400, "badSignatureAlgorithm", error.message};
    case Errc::authentication_failed:
      return Problem{403, "unauthorized", "JWS signature does not verify"};
    case Errc::invalid_key:
      return Problem{400, "badPublicKey", error.message};
    default:
      return Problem{400, "malformed", error.message};
  }
}

Problem internal_problem(const Error& error) {
  (void)error;
  return Problem{500, "serverInternal", "the CA could not complete the request"};
}

http::Response json_response(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

http::Response problem_response(const Problem& p) {
  http::Response r;
  r.status = p.status;
  r.headers.set("Content-Type", "application/problem+json");
  r.body = p.to_json().dump();
  return r;
}

std::string rfc3339(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace ztm::identity::internal
