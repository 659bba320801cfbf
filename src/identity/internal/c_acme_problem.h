// c_acme_problem: ACME problem documents (RFC 8555 §6.7, RFC 7807) and the JSON
// responses of the ACME server.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ztm/base/error.h"
#include "ztm/http/message.h"

namespace ztm::identity::internal {

// Problem is one problem document: an HTTP status, the ACME error type (the part
// after "urn:ietf:params:acme:error:") and a detail for people.
struct Problem {
  int status = 400;
  std::string type;
  std::string detail;

  nlohmann::json to_json() const;
};

template <class T>
using Outcome = tl::expected<T, Problem>;

inline tl::unexpected<Problem> problem(int status, std::string type, std::string detail) {
  return tl::unexpected<Problem>(Problem{status, std::move(type), std::move(detail)});
}

// problem_for_jws maps a parse_jws/verify_jws error to its problem (jws.h's table).
Problem problem_for_jws(const Error& error);

// internal_problem hides an internal failure's details from the client (they may
// name files) behind serverInternal; the caller logs nothing secret either.
Problem internal_problem(const Error& error);

// json_response / problem_response build the bodies; the caller adds Replay-Nonce
// and Link headers.
http::Response json_response(int status, const nlohmann::json& body);
http::Response problem_response(const Problem& p);

// rfc3339 renders Unix seconds as "2026-11-26T16:00:00Z" (RFC 3339 §5.6).
std::string rfc3339(std::int64_t unix_seconds);

}  // namespace ztm::identity::internal
