// Parsing of ACME resources and problem documents (RFC 8555 §6.7, §7.1).
#include "ztm/identity/acme_types.h"

#include <map>

namespace ztm::identity {
namespace {

using json = nlohmann::json;

constexpr std::string_view kAcmeErrorUrn = "urn:ietf:params:acme:error:";
// A server could nest subproblems without end; we read one level, as §6.7.1 defines.
constexpr int kMaxProblemDepth = 2;

Error bad(std::string_view what, std::string_view member) {
  return Error{Errc::protocol_violation,
               "acme." + std::string(what) + "." + std::string(member) + ": missing or malformed"};
}

std::optional<std::string> opt_string(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// req_string: a required member, a non-empty string (every required string of §7.1 is
// a URL, a type or a value; an empty one is as good as missing).
Result<std::string> req_string(const json& j, std::string_view what, const char* name) {
  auto s = opt_string(j, name);
  if (!s || s->empty()) return tl::unexpected(bad(what, name));
  return *s;
}

AcmeProblem parse_problem_at(const json& j, int http_status, int depth) {
  AcmeProblem p;
  p.type = opt_string(j, "type").value_or("about:blank");
  p.detail = opt_string(j, "detail").value_or("");
  auto status = j.find("status");
  p.status = status != j.end() && status->is_number_integer() ? status->get<int>() : http_status;
  if (auto id = j.find("identifier"); id != j.end()) {
    if (auto parsed = parse_identifier(*id)) p.identifier = *parsed;
  }
  if (auto subs = j.find("subproblems");
      depth < kMaxProblemDepth && subs != j.end() && subs->is_array()) {
    for (const auto& s : *subs) {
      if (s.is_object()) p.subproblems.push_back(parse_problem_at(s, http_status, depth + 1));
    }
  }
  return p;
}

}  // namespace

json to_json(const AcmeIdentifier& identifier) {
  return json{{"type", identifier.type}, {"value", identifier.value}};
}

Result<AcmeIdentifier> parse_identifier(const json& j) {
  if (!j.is_object()) return tl::unexpected(bad("identifier", "object"));
  ZTM_TRY_ASSIGN(std::string type, req_string(j, "identifier", "type"));
  ZTM_TRY_ASSIGN(std::string value, req_string(j, "identifier", "value"));
  return AcmeIdentifier{std::move(type), std::move(value)};
}

std::string AcmeProblem::acme_type() const {
  if (type.rfind(kAcmeErrorUrn, 0) != 0) return "";
  return type.substr(kAcmeErrorUrn.size());
}

Errc AcmeProblem::errc() const {
  static const std::map<std::string, Errc, std::less<>> table = {
      {"badNonce", Errc::replay},
      {"accountDoesNotExist", Errc::not_found},
      {"unauthorized", Errc::untrusted},
      {"rejectedIdentifier", Errc::untrusted},
      {"caa", Errc::untrusted},
      {"externalAccountRequired", Errc::untrusted},
      {"userActionRequired", Errc::untrusted},
      {"incorrectResponse", Errc::authentication_failed},
      {"connection", Errc::io_error},
      {"dns", Errc::io_error},
      {"tls", Errc::io_error},
      {"serverInternal", Errc::io_error},
      {"rateLimited", Errc::limit_exceeded},
      {"badSignatureAlgorithm", Errc::unsupported},
      {"badPublicKey", Errc::unsupported},
      {"unsupportedIdentifier", Errc::unsupported},
      {"unsupportedContact", Errc::unsupported},
      {"orderNotReady", Errc::invalid_state},
      {"alreadyRevoked", Errc::revoked},
  };
  auto it = table.find(acme_type());
  return it == table.end() ? Errc::protocol_violation : it->second;
}

Error AcmeProblem::to_error() const {
  const std::string token = acme_type();
  std::string message = "acme " + (token.empty() ? type : token) + ": " + detail;
  for (const auto& sub : subproblems) {
    message += "; " + (sub.identifier ? sub.identifier->value + ": " : std::string()) +
               (sub.acme_type().empty() ? sub.type : sub.acme_type()) + ": " + sub.detail;
  }
  return Error{errc(), std::move(message)};
}

json to_json(const AcmeProblem& problem) {
  json j = {{"type", problem.type}, {"detail", problem.detail}};
  if (problem.status != 0) j["status"] = problem.status;
  if (problem.identifier) j["identifier"] = to_json(*problem.identifier);
  if (!problem.subproblems.empty()) {
    j["subproblems"] = json::array();
    for (const auto& s : problem.subproblems) j["subproblems"].push_back(to_json(s));
  }
  return j;
}

AcmeProblem parse_problem(const json& j, int http_status) {
  if (!j.is_object()) return AcmeProblem{"about:blank", "", http_status, std::nullopt, {}};
  return parse_problem_at(j, http_status, 0);
}

Result<AcmeDirectory> parse_directory(const json& j) {
  if (!j.is_object()) return tl::unexpected(bad("directory", "object"));
  AcmeDirectory d;
  ZTM_TRY_ASSIGN(d.new_nonce, req_string(j, "directory", "newNonce"));
  ZTM_TRY_ASSIGN(d.new_account, req_string(j, "directory", "newAccount"));
  ZTM_TRY_ASSIGN(d.new_order, req_string(j, "directory", "newOrder"));
  d.revoke_cert = opt_string(j, "revokeCert").value_or("");
  d.key_change = opt_string(j, "keyChange").value_or("");
  d.new_authz = opt_string(j, "newAuthz");
  if (auto meta = j.find("meta"); meta != j.end() && meta->is_object()) {
    d.terms_of_service = opt_string(*meta, "termsOfService");
    auto ear = meta->find("externalAccountRequired");
    d.external_account_required = ear != meta->end() && ear->is_boolean() && ear->get<bool>();
  }
  return d;
}

Result<AcmeChallenge> parse_challenge(const json& j) {
  if (!j.is_object()) return tl::unexpected(bad("challenge", "object"));
  AcmeChallenge c;
  ZTM_TRY_ASSIGN(c.type, req_string(j, "challenge", "type"));
  ZTM_TRY_ASSIGN(c.url, req_string(j, "challenge", "url"));
  ZTM_TRY_ASSIGN(c.status, req_string(j, "challenge", "status"));
  c.token = opt_string(j, "token").value_or("");
  if (auto e = j.find("error"); e != j.end() && e->is_object()) c.error = parse_problem(*e, 0);
  c.raw = j;
  return c;
}

Result<AcmeAuthorization> parse_authorization(const json& j, std::string url) {
  if (!j.is_object()) return tl::unexpected(bad("authorization", "object"));
  AcmeAuthorization a;
  a.url = std::move(url);
  auto id = j.find("identifier");
  if (id == j.end()) return tl::unexpected(bad("authorization", "identifier"));
  ZTM_TRY_ASSIGN(a.identifier, parse_identifier(*id));
  ZTM_TRY_ASSIGN(a.status, req_string(j, "authorization", "status"));
  auto challenges = j.find("challenges");
  if (challenges == j.end() || !challenges->is_array()) {
    return tl::unexpected(bad("authorization", "challenges"));
  }
  for (const auto& c : *challenges) {
    ZTM_TRY_ASSIGN(auto challenge, parse_challenge(c));
    a.challenges.push_back(std::move(challenge));
  }
  auto wildcard = j.find("wildcard");
  a.wildcard = wildcard != j.end() && wildcard->is_boolean() && wildcard->get<bool>();
  return a;
}

Result<AcmeOrder> parse_order(const json& j, std::string url) {
  if (!j.is_object()) return tl::unexpected(bad("order", "object"));
  AcmeOrder o;
  o.url = std::move(url);
  ZTM_TRY_ASSIGN(o.status, req_string(j, "order", "status"));
  ZTM_TRY_ASSIGN(o.finalize, req_string(j, "order", "finalize"));
  auto ids = j.find("identifiers");
  if (ids == j.end() || !ids->is_array()) return tl::unexpected(bad("order", "identifiers"));
  for (const auto& i : *ids) {
    ZTM_TRY_ASSIGN(auto identifier, parse_identifier(i));
    o.identifiers.push_back(std::move(identifier));
  }
  auto authzs = j.find("authorizations");
  if (authzs == j.end() || !authzs->is_array())
    return tl::unexpected(bad("order", "authorizations"));
  for (const auto& a : *authzs) {
    if (!a.is_string()) return tl::unexpected(bad("order", "authorizations"));
    o.authorizations.push_back(a.get<std::string>());
  }
  o.certificate = opt_string(j, "certificate");
  if (auto e = j.find("error"); e != j.end() && e->is_object()) o.error = parse_problem(*e, 0);
  return o;
}

}  // namespace ztm::identity
