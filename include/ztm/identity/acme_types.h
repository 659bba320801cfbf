// ACME resources (RFC 8555 §7.1) as the client reads them, and problem documents
// (RFC 8555 §6.7, RFC 7807). Parsing is lenient about members we do not use and
// strict about the ones we do; the raw JSON is kept for extensions (sso-01).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ztm/base/error.h"

namespace ztm::identity {

// AcmeIdentifier (RFC 8555 §9.7.7): "dns", "ip", and "email" (for the sso-01
// extension; RFC 8823's type). The type is open: the client passes through what it
// is given.
struct AcmeIdentifier {
  std::string type;
  std::string value;
  friend bool operator==(const AcmeIdentifier&, const AcmeIdentifier&) = default;
};

nlohmann::json to_json(const AcmeIdentifier& identifier);
Result<AcmeIdentifier> parse_identifier(const nlohmann::json& j);

// AcmeProblem is a problem document. type is the full URN
// ("urn:ietf:params:acme:error:badNonce") or another URI.
struct AcmeProblem {
  std::string type;
  std::string detail;
  int status = 0;  // HTTP status, from the document or the response
  std::optional<AcmeIdentifier> identifier;
  std::vector<AcmeProblem> subproblems;

  // acme_type is the ACME token ("badNonce") or "" when type is not in the ACME URN
  // namespace.
  std::string acme_type() const;
  // errc maps the ACME token to our error category: badNonce -> replay;
  // unauthorized, rejectedIdentifier, caa, accountDoesNotExist (not_found) ...
  // (see acme_types.cc for the table).
  Errc errc() const;
  // to_error renders "acme <token>: <detail>" (plus subproblems) with errc().
  Error to_error() const;
};

nlohmann::json to_json(const AcmeProblem& problem);
// parse_problem reads a problem document; missing members stay empty.
AcmeProblem parse_problem(const nlohmann::json& j, int http_status);

// AcmeDirectory (RFC 8555 §7.1.1).
struct AcmeDirectory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string revoke_cert;
  std::string key_change;
  std::optional<std::string> new_authz;
  std::optional<std::string> terms_of_service;
  bool external_account_required = false;
};
Result<AcmeDirectory> parse_directory(const nlohmann::json& j);

// AcmeChallenge (RFC 8555 §8): raw keeps every member, e.g. sso-01's extra fields.
struct AcmeChallenge {
  std::string type;
  std::string url;
  std::string status;  // pending, processing, valid, invalid
  std::string token;   // absent in some challenge types: then ""
  std::optional<AcmeProblem> error;
  nlohmann::json raw;
};
Result<AcmeChallenge> parse_challenge(const nlohmann::json& j);

// AcmeAuthorization (RFC 8555 §7.1.4).
struct AcmeAuthorization {
  std::string url;
  AcmeIdentifier identifier;
  std::string status;  // pending, valid, invalid, deactivated, expired, revoked
  std::vector<AcmeChallenge> challenges;
  bool wildcard = false;
};
Result<AcmeAuthorization> parse_authorization(const nlohmann::json& j, std::string url);

// AcmeOrder (RFC 8555 §7.1.3).
struct AcmeOrder {
  std::string url;     // from the Location header of newOrder
  std::string status;  // pending, ready, processing, valid, invalid
  std::vector<AcmeIdentifier> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::optional<std::string> certificate;
  std::optional<AcmeProblem> error;
};
Result<AcmeOrder> parse_order(const nlohmann::json& j, std::string url);

// AcmeAccount (RFC 8555 §7.1.2); url is the "kid" of later requests.
struct AcmeAccount {
  std::string url;
  std::string status;
  std::vector<std::string> contact;
};

}  // namespace ztm::identity
