// AcmeStore: the ACME CA's persistent state in SQLite — accounts, orders,
// authorizations, challenges, issued certificates with their revocations, and the
// pending sso-01 logins. Object ids are random hex strings (they appear in URLs,
// so they must not be guessable). All methods are thread-safe (one connection behind
// a mutex): the HTTP handlers and the validation worker share one store.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/identity/acme_types.h"  // AcmeIdentifier

namespace ztm::identity {

// AccountRecord is an ACME account (RFC 8555 §7.1.2): its public key as a JWK (JSON
// text) and the key's RFC 7638 thumbprint, which is unique across accounts.
struct AccountRecord {
  std::string id;
  std::string jwk_json;
  std::string thumbprint;
  std::string status;        // "valid" | "deactivated" | "revoked"
  std::string contact_json;  // JSON array of contact URLs
  std::int64_t created_unix = 0;
};

// OrderRecord is an ACME order (§7.1.3). Its authorizations are those whose order_id
// is this order's id.
struct OrderRecord {
  std::string id;
  std::string account_id;
  std::string status;  // "pending" | "ready" | "processing" | "valid" | "invalid"
  std::int64_t expires_unix = 0;
  std::vector<AcmeIdentifier> identifiers;
  std::optional<std::string> certificate_id;
  std::optional<std::string> error_json;  // a problem document when invalid
};

// AuthorizationRecord is an ACME authorization (§7.1.4) for one identifier.
struct AuthorizationRecord {
  std::string id;
  std::string order_id;
  std::string account_id;
  AcmeIdentifier identifier;
  std::string status;  // "pending" | "valid" | "invalid" | "deactivated" | "expired" | "revoked"
  std::int64_t expires_unix = 0;
};

// ChallengeRecord is one challenge of an authorization (§7.1.5, §8).
struct ChallengeRecord {
  std::string id;
  std::string authz_id;
  std::string type;    // "http-01" | "dns-01" | "sso-01"
  std::string token;   // base64url, 128 bits of entropy (§8.3)
  std::string status;  // "pending" | "processing" | "valid" | "invalid"
  std::int64_t validated_unix = 0;
  std::optional<std::string> error_json;
};

// CertificateRecord is an issued certificate and its revocation state.
struct CertificateRecord {
  std::string id;
  std::string order_id;
  std::string account_id;
  std::string serial_hex;  // lowercase hex of the serial number's magnitude
  Bytes der;               // the end-entity certificate
  std::string chain_pem;   // end entity followed by the CA certificate
  std::int64_t not_after_unix = 0;
  bool revoked = false;
  std::int64_t revoked_unix = 0;
  int revocation_reason = 0;  // RFC 5280 §5.3.1 CRLReason
};

// SsoLogin is a pending sso-01 login: the OIDC state, nonce and PKCE verifier the
// server chose when it sent the user agent to the IdP. Single use.
struct SsoLogin {
  std::string state;
  std::string challenge_id;
  std::string nonce;
  std::string code_verifier;
  std::int64_t created_unix = 0;
};

namespace internal {
class Database;
}

class AcmeStore {
 public:
  // open opens (creating when absent) the database at path; ":memory:" for tests.
  static Result<std::unique_ptr<AcmeStore>> open(const std::string& path);
  ~AcmeStore();
  AcmeStore(const AcmeStore&) = delete;
  AcmeStore& operator=(const AcmeStore&) = delete;

  // new_id returns a fresh random object id (128 bits, hex).
  static std::string new_id();

  Result<void> insert_account(const AccountRecord& account);
  Result<std::optional<AccountRecord>> account(const std::string& id);
  Result<std::optional<AccountRecord>> account_by_thumbprint(const std::string& thumbprint);
  Result<void> update_account(const AccountRecord& account);

  // insert_order stores an order together with its authorizations and their
  // challenges, in one transaction.
  Result<void> insert_order(const OrderRecord& order,
                            const std::vector<AuthorizationRecord>& authzs,
                            const std::vector<ChallengeRecord>& challenges);
  Result<std::optional<OrderRecord>> order(const std::string& id);
  Result<void> update_order(const OrderRecord& order);
  // order_ids_of lists an account's order ids, oldest first (at most limit).
  Result<std::vector<std::string>> order_ids_of(const std::string& account_id, int limit);
  Result<std::vector<AuthorizationRecord>> authorizations_of(const std::string& order_id);

  Result<std::optional<AuthorizationRecord>> authorization(const std::string& id);
  Result<void> update_authorization_status(const std::string& id, const std::string& status);
  Result<std::vector<ChallengeRecord>> challenges_of(const std::string& authz_id);

  Result<std::optional<ChallengeRecord>> challenge(const std::string& id);
  Result<void> update_challenge(const ChallengeRecord& challenge);

  Result<void> insert_certificate(const CertificateRecord& cert);
  Result<std::optional<CertificateRecord>> certificate(const std::string& id);
  Result<std::optional<CertificateRecord>> certificate_by_serial(const std::string& serial_hex);
  // revoke_certificate marks a certificate revoked; already_revoked when it was.
  Result<void> revoke_certificate(const std::string& id, std::int64_t when_unix, int reason);
  // revoked_certificates lists every revoked certificate that has not yet expired
  // (an expired certificate may leave the CRL: RFC 5280 §3.3).
  Result<std::vector<CertificateRecord>> revoked_certificates(std::int64_t now_unix);

  Result<void> insert_sso_login(const SsoLogin& login);
  // take_sso_login returns and deletes the login for state (single use).
  Result<std::optional<SsoLogin>> take_sso_login(const std::string& state);

 private:
  explicit AcmeStore(std::unique_ptr<internal::Database> db);
  Result<void> migrate();
  std::mutex mutex_;
  std::unique_ptr<internal::Database> db_;
};

}  // namespace ztm::identity
