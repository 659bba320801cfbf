// c_form: application/x-www-form-urlencoded encoding and query-string parsing
// (WHATWG URL §5), for the OIDC authorization request, the token request and the
// sso-01 callback.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ztm::identity::internal {

// form_escape percent-encodes everything except ALPHA / DIGIT / "-" / "." / "_" / "~".
std::string form_escape(std::string_view value);

// form_encode joins name=value pairs with '&', each side escaped.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// parse_query splits "a=1&b=2" (a leading '?' ignored) into a map, decoding '+' and
// percent escapes. A repeated name keeps its first value; malformed escapes are kept
// literally (the callers compare the values against what they expect).
std::map<std::string, std::string> parse_query(std::string_view query);

// split_target splits a request-target into its path and query (without '?').
std::pair<std::string, std::string> split_target(std::string_view target);

}  // namespace ztm::identity::internal
