#include "ztm/identity/acme_store.h"

#include <nlohmann/json.hpp>

#include "internal/c_sqlite.h"
#include "ztm/crypto/random.h"

namespace ztm::identity {

using internal::Database;
using internal::Statement;

namespace {

// The schema. Ids are TEXT (random); times are Unix seconds; JSON columns hold
// problem documents and identifier lists exactly as they are served.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  jwk TEXT NOT NULL,
  thumbprint TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  contact TEXT NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL,
  expires INTEGER NOT NULL,
  identifiers TEXT NOT NULL,
  certificate_id TEXT,
  error TEXT);
CREATE TABLE IF NOT EXISTS authorizations (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  ident_type TEXT NOT NULL,
  ident_value TEXT NOT NULL,
  status TEXT NOT NULL,
  expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS challenges (
  id TEXT PRIMARY KEY,
  authz_id TEXT NOT NULL REFERENCES authorizations(id),
  type TEXT NOT NULL,
  token TEXT NOT NULL,
  status TEXT NOT NULL,
  validated INTEGER NOT NULL,
  error TEXT);
CREATE TABLE IF NOT EXISTS certificates (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  serial TEXT NOT NULL UNIQUE,
  der BLOB NOT NULL,
  chain_pem TEXT NOT NULL,
  not_after INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER NOT NULL DEFAULT 0,
  reason INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sso_logins (
  state TEXT PRIMARY KEY,
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS authz_by_order ON authorizations(order_id);
CREATE INDEX IF NOT EXISTS challenge_by_authz ON challenges(authz_id);
)sql";

std::string identifiers_to_json(const std::vector<AcmeIdentifier>& ids) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& id : ids) out.push_back({{"type", id.type}, {"value", id.value}});
  return out.dump();
}

std::vector<AcmeIdentifier> identifiers_from_json(const std::string& text) {
  std::vector<AcmeIdentifier> out;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& id : parsed) {
    out.push_back({id.value("type", ""), id.value("value", "")});
  }
  return out;
}

AccountRecord read_account(const Statement& s) {
  return AccountRecord{s.column_text(0), s.column_text(1), s.column_text(2),
                       s.column_text(3), s.column_text(4), s.column_int(5)};
}

constexpr const char* kAccountColumns = "id, jwk, thumbprint, status, contact, created";

OrderRecord read_order(const Statement& s) {
  return OrderRecord{s.column_text(0),
                     s.column_text(1),
                     s.column_text(2),
                     s.column_int(3),
                     identifiers_from_json(s.column_text(4)),
                     s.column_optional_text(5),
                     s.column_optional_text(6)};
}

constexpr const char* kOrderColumns =
    "id, account_id, status, expires, identifiers, certificate_id, error";

AuthorizationRecord read_authz(const Statement& s) {
  return AuthorizationRecord{s.column_text(0), s.column_text(1),
                             s.column_text(2), {s.column_text(3), s.column_text(4)},
                             s.column_text(5), s.column_int(6)};
}

constexpr const char* kAuthzColumns =
    "id, order_id, account_id, ident_type, ident_value, status, expires";

ChallengeRecord read_challenge(const Statement& s) {
  return ChallengeRecord{s.column_text(0),         s.column_text(1), s.column_text(2),
                         s.column_text(3),         s.column_text(4), s.column_int(5),
                         s.column_optional_text(6)};
}

constexpr const char* kChallengeColumns = "id, authz_id, type, token, status, validated, error";

CertificateRecord read_certificate(const Statement& s) {
  CertificateRecord c;
  c.id = s.column_text(0);
  c.order_id = s.column_text(1);
  c.account_id = s.column_text(2);
  c.serial_hex = s.column_text(3);
  c.der = s.column_blob(4);
  c.chain_pem = s.column_text(5);
  c.not_after_unix = s.column_int(6);
  c.revoked = s.column_int(7) != 0;
  c.revoked_unix = s.column_int(8);
  c.revocation_reason = static_cast<int>(s.column_int(9));
  return c;
}

constexpr const char* kCertificateColumns =
    "id, order_id, account_id, serial, der, chain_pem, not_after, revoked, revoked_at, reason";

std::string select(const char* columns, const char* table, const char* where) {
  return std::string("SELECT ") + columns + " FROM " + table + " WHERE " + where;
}

// one_row runs a query expected to return zero or one row and converts it.
template <class T, class F>
Result<std::optional<T>> one_row(Statement& s, F convert) {
  ZTM_TRY_ASSIGN(bool row, s.step());
  if (!row) return std::optional<T>{};
  return std::optional<T>{convert(s)};
}

template <class T, class F>
Result<std::vector<T>> all_rows(Statement& s, F convert) {
  std::vector<T> out;
  for (;;) {
    ZTM_TRY_ASSIGN(bool row, s.step());
    if (!row) break;
    out.push_back(convert(s));
  }
  return out;
}

}  // namespace

AcmeStore::AcmeStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
AcmeStore::~AcmeStore() = default;

Result<std::unique_ptr<AcmeStore>> AcmeStore::open(const std::string& path) {
  ZTM_TRY_ASSIGN(Database db, Database::open(path));
  std::unique_ptr<AcmeStore> store(new AcmeStore(std::make_unique<Database>(std::move(db))));
  ZTM_TRY(store->migrate());
  return store;
}

Result<void> AcmeStore::migrate() {
  return db_->exec(kSchema);
}

std::string AcmeStore::new_id() {
  return to_hex(crypto::random_bytes(16));
}

Result<void> AcmeStore::insert_account(const AccountRecord& a) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("INSERT INTO accounts (id, jwk, thumbprint, status, "
                                      "contact, created) VALUES (?, ?, ?, ?, ?, ?)"));
  s.bind(1, a.id).bind(2, a.jwk_json).bind(3, a.thumbprint).bind(4, a.status);
  s.bind(5, a.contact_json).bind(6, a.created_unix);
  return s.run();
}

Result<std::optional<AccountRecord>> AcmeStore::account(const std::string& id) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kAccountColumns, "accounts", "id = ?")));
  s.bind(1, id);
  return one_row<AccountRecord>(s, read_account);
}

Result<std::optional<AccountRecord>> AcmeStore::account_by_thumbprint(const std::string& tp) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kAccountColumns, "accounts", "thumbprint = ?")));
  s.bind(1, tp);
  return one_row<AccountRecord>(s, read_account);
}

Result<void> AcmeStore::update_account(const AccountRecord& a) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("UPDATE accounts SET jwk = ?, thumbprint = ?, status = ?, "
                                      "contact = ? WHERE id = ?"));
  s.bind(1, a.jwk_json).bind(2, a.thumbprint).bind(3, a.status).bind(4, a.contact_json);
  s.bind(5, a.id);
  return s.run();
}

Result<void> AcmeStore::insert_order(const OrderRecord& o,
                                     const std::vector<AuthorizationRecord>& authzs,
                                     const std::vector<ChallengeRecord>& challenges) {
  std::lock_guard lock(mutex_);
  ZTM_TRY(db_->exec("BEGIN"));
  auto body = [&]() -> Result<void> {
    ZTM_TRY_ASSIGN(auto s, db_->prepare("INSERT INTO orders (id, account_id, status, expires, "
                                        "identifiers, certificate_id, error) VALUES "
                                        "(?, ?, ?, ?, ?, ?, ?)"));
    s.bind(1, o.id).bind(2, o.account_id).bind(3, o.status).bind(4, o.expires_unix);
    s.bind(5, identifiers_to_json(o.identifiers))
        .bind_optional(6, o.certificate_id)
        .bind_optional(7, o.error_json);
    ZTM_TRY(s.run());
    for (const auto& a : authzs) {
      ZTM_TRY_ASSIGN(auto t, db_->prepare("INSERT INTO authorizations (id, order_id, account_id, "
                                          "ident_type, ident_value, status, expires) VALUES "
                                          "(?, ?, ?, ?, ?, ?, ?)"));
      t.bind(1, a.id).bind(2, a.order_id).bind(3, a.account_id).bind(4, a.identifier.type);
      t.bind(5, a.identifier.value).bind(6, a.status).bind(7, a.expires_unix);
      ZTM_TRY(t.run());
    }
    for (const auto& c : challenges) {
      ZTM_TRY_ASSIGN(auto t, db_->prepare("INSERT INTO challenges (id, authz_id, type, token, "
                                          "status, validated, error) VALUES "
                                          "(?, ?, ?, ?, ?, ?, ?)"));
      t.bind(1, c.id).bind(2, c.authz_id).bind(3, c.type).bind(4, c.token).bind(5, c.status);
      t.bind(6, c.validated_unix).bind_optional(7, c.error_json);
      ZTM_TRY(t.run());
    }
    return ok();
  };
  auto result = body();
  if (!result) {
    (void)db_->exec("ROLLBACK");
    return result;
  }
  return db_->exec("COMMIT");
}

Result<std::optional<OrderRecord>> AcmeStore::order(const std::string& id) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kOrderColumns, "orders", "id = ?")));
  s.bind(1, id);
  return one_row<OrderRecord>(s, read_order);
}

Result<void> AcmeStore::update_order(const OrderRecord& o) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("UPDATE orders SET status = ?, certificate_id = ?, "
                                      "error = ? WHERE id = ?"));
  s.bind(1, o.status)
      .bind_optional(2, o.certificate_id)
      .bind_optional(3, o.error_json)
      .bind(4, o.id);
  return s.run();
}

Result<std::vector<std::string>> AcmeStore::order_ids_of(const std::string& account_id, int limit) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("SELECT id FROM orders WHERE account_id = ? "
                                      "ORDER BY rowid LIMIT ?"));
  s.bind(1, account_id).bind(2, std::int64_t{limit});
  return all_rows<std::string>(s, [](const Statement& r) { return r.column_text(0); });
}

Result<std::vector<AuthorizationRecord>> AcmeStore::authorizations_of(const std::string& oid) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(
      auto s, db_->prepare(select(kAuthzColumns, "authorizations", "order_id = ? ORDER BY rowid")));
  s.bind(1, oid);
  return all_rows<AuthorizationRecord>(s, read_authz);
}

Result<std::optional<AuthorizationRecord>> AcmeStore::authorization(const std::string& id) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kAuthzColumns, "authorizations", "id = ?")));
  s.bind(1, id);
  return one_row<AuthorizationRecord>(s, read_authz);
}

Result<void> AcmeStore::update_authorization_status(const std::string& id,
                                                    const std::string& status) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("UPDATE authorizations SET status = ? WHERE id = ?"));
  s.bind(1, status).bind(2, id);
  return s.run();
}

Result<std::vector<ChallengeRecord>> AcmeStore::challenges_of(const std::string& authz_id) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(
      auto s, db_->prepare(select(kChallengeColumns, "challenges", "authz_id = ? ORDER BY rowid")));
  s.bind(1, authz_id);
  return all_rows<ChallengeRecord>(s, read_challenge);
}

Result<std::optional<ChallengeRecord>> AcmeStore::challenge(const std::string& id) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kChallengeColumns, "challenges", "id = ?")));
  s.bind(1, id);
  return one_row<ChallengeRecord>(s, read_challenge);
}

Result<void> AcmeStore::update_challenge(const ChallengeRecord& c) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("UPDATE challenges SET status = ?, validated = ?, "
                                      "error = ? WHERE id = ?"));
  s.bind(1, c.status).bind(2, c.validated_unix).bind_optional(3, c.error_json).bind(4, c.id);
  return s.run();
}

Result<void> AcmeStore::insert_certificate(const CertificateRecord& c) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("INSERT INTO certificates (id, order_id, account_id, "
                                      "serial, der, chain_pem, not_after, revoked, revoked_at, "
                                      "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s.bind(1, c.id).bind(2, c.order_id).bind(3, c.account_id).bind(4, c.serial_hex);
  s.bind(5, ByteView(c.der)).bind(6, c.chain_pem).bind(7, c.not_after_unix);
  s.bind(8, std::int64_t{c.revoked ? 1 : 0}).bind(9, c.revoked_unix);
  s.bind(10, std::int64_t{c.revocation_reason});
  return s.run();
}

Result<std::optional<CertificateRecord>> AcmeStore::certificate(const std::string& id) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kCertificateColumns, "certificates", "id = ?")));
  s.bind(1, id);
  return one_row<CertificateRecord>(s, read_certificate);
}

Result<std::optional<CertificateRecord>> AcmeStore::certificate_by_serial(
    const std::string& serial_hex) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kCertificateColumns, "certificates", "serial = ?")));
  s.bind(1, serial_hex);
  return one_row<CertificateRecord>(s, read_certificate);
}

Result<void> AcmeStore::revoke_certificate(const std::string& id, std::int64_t when_unix,
                                           int reason) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("UPDATE certificates SET revoked = 1, revoked_at = ?, "
                                      "reason = ? WHERE id = ? AND revoked = 0"));
  s.bind(1, when_unix).bind(2, std::int64_t{reason}).bind(3, id);
  ZTM_TRY(s.run());
  if (db_->changes() != 1) return fail(Errc::invalid_state, "certificate already revoked");
  return ok();
}

Result<std::vector<CertificateRecord>> AcmeStore::revoked_certificates(std::int64_t now_unix) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare(select(kCertificateColumns, "certificates",
                                             "revoked = 1 AND not_after >= ? ORDER BY rowid")));
  s.bind(1, now_unix);
  return all_rows<CertificateRecord>(s, read_certificate);
}

Result<void> AcmeStore::insert_sso_login(const SsoLogin& l) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("INSERT INTO sso_logins (state, challenge_id, nonce, "
                                      "code_verifier, created) VALUES (?, ?, ?, ?, ?)"));
  s.bind(1, l.state).bind(2, l.challenge_id).bind(3, l.nonce).bind(4, l.code_verifier);
  s.bind(5, l.created_unix);
  return s.run();
}

Result<std::optional<SsoLogin>> AcmeStore::take_sso_login(const std::string& state) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto s, db_->prepare("SELECT state, challenge_id, nonce, code_verifier, created "
                                      "FROM sso_logins WHERE state = ?"));
  s.bind(1, state);
  ZTM_TRY_ASSIGN(auto login, (one_row<SsoLogin>(s, [](const Statement& r) {
                   return SsoLogin{r.column_text(0), r.column_text(1), r.column_text(2),
                                   r.column_text(3), r.column_int(4)};
                 })));
  if (login) {
    ZTM_TRY_ASSIGN(auto d, db_->prepare("DELETE FROM sso_logins WHERE state = ?"));
    d.bind(1, state);
    ZTM_TRY(d.run());
  }
  return login;
}

}  // namespace ztm::identity
