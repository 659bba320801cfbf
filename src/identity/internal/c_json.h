// Members of untrusted JSON objects, without exceptions. nlohmann's value(key,
// default) throws type_error when the member has another type, or when the value is
// not an object at all: input from a peer (a client's JWS, a CA's answer, an IdP's
// JWKS) must get a typed error instead, never an exception.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ztm::identity::internal {

// json_string_or is j[key] when j is an object and the member is a string; otherwise
// fallback (absent, or of another type).
inline std::string json_string_or(const nlohmann::json& j, const char* key,
                                  std::string fallback = {}) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace ztm::identity::internal
