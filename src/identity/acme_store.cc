#include "ztm/identity/acme_store.h"

#include <nlohmann/json.hpp>

#include "internal/c_json.h"
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
    out.push_back({internal::json_string_or(id, "type"), internal::json_string_or(id, "value")});
  }
  return out;
}

// RecordTable describes how one record type is stored, once: its table, its
// columns in order, how a row is read into a record and how a record is bound as
// the parameters 1..n of an INSERT of those columns.
template <class T>
struct RecordTable {
  const char* table;
  const char* columns;
  T (*read)(const Statement& row);
  void (*bind)(Statement& s, const T& record);
};

const RecordTable<AccountRecord> kAccounts{
    "accounts", "id, jwk, thumbprint, status, contact, created",
    [](const Statement& r) {
      return AccountRecord{r.column_text(0), r.column_text(1), r.column_text(2),
                           r.column_text(3), r.column_text(4), r.column_int(5)};
    },
    [](Statement& s, const AccountRecord& a) {
      s.bind(1, a.id).bind(2, a.jwk_json).bind(3, a.thumbprint).bind(4, a.status);
      s.bind(5, a.contact_json).bind(6, a.created_unix);
    }};

const RecordTable<OrderRecord> kOrders{
    "orders", "id, account_id, status, expires, identifiers, certificate_id, error",
    [](const Statement& r) {
      return OrderRecord{r.column_text(0),
                         r.column_text(1),
                         r.column_text(2),
                         r.column_int(3),
                         identifiers_from_json(r.column_text(4)),
                         r.column_optional_text(5),
                         r.column_optional_text(6)};
    },
    [](Statement& s, const OrderRecord& o) {
      s.bind(1, o.id).bind(2, o.account_id).bind(3, o.status).bind(4, o.expires_unix);
      s.bind(5, identifiers_to_json(o.identifiers))
          .bind_optional(6, o.certificate_id)
          .bind_optional(7, o.error_json);
    }};

const RecordTable<AuthorizationRecord> kAuthorizations{
    "authorizations", "id, order_id, account_id, ident_type, ident_value, status, expires",
    [](const Statement& r) {
      return AuthorizationRecord{r.column_text(0), r.column_text(1),
                                 r.column_text(2), {r.column_text(3), r.column_text(4)},
                                 r.column_text(5), r.column_int(6)};
    },
    [](Statement& s, const AuthorizationRecord& a) {
      s.bind(1, a.id).bind(2, a.order_id).bind(3, a.account_id).bind(4, a.identifier.type);
      s.bind(5, a.identifier.value).bind(6, a.status).bind(7, a.expires_unix);
    }};

const RecordTable<ChallengeRecord> kChallenges{
    "challenges", "id, authz_id, type, token, status, validated, error",
    [](const Statement& r) {
      return ChallengeRecord{r.column_text(0),         r.column_text(1), r.column_text(2),
                             r.column_text(3),         r.column_text(4), r.column_int(5),
                             r.column_optional_text(6)};
    },
    [](Statement& s, const ChallengeRecord& c) {
      s.bind(1, c.id).bind(2, c.authz_id).bind(3, c.type).bind(4, c.token).bind(5, c.status);
      s.bind(6, c.validated_unix).bind_optional(7, c.error_json);
    }};

const RecordTable<CertificateRecord> kCertificates{
    "certificates",
    "id, order_id, account_id, serial, der, chain_pem, not_after, revoked, revoked_at, reason",
    [](const Statement& r) {
      CertificateRecord c;
      c.id = r.column_text(0);
      c.order_id = r.column_text(1);
      c.account_id = r.column_text(2);
      c.serial_hex = r.column_text(3);
      c.der = r.column_blob(4);
      c.chain_pem = r.column_text(5);
      c.not_after_unix = r.column_int(6);
      c.revoked = r.column_int(7) != 0;
      c.revoked_unix = r.column_int(8);
      c.revocation_reason = static_cast<int>(r.column_int(9));
      return c;
    },
    [](Statement& s, const CertificateRecord& c) {
      s.bind(1, c.id).bind(2, c.order_id).bind(3, c.account_id).bind(4, c.serial_hex);
      s.bind(5, ByteView(c.der)).bind(6, c.chain_pem).bind(7, c.not_after_unix);
      s.bind(8, std::int64_t{c.revoked ? 1 : 0}).bind(9, c.revoked_unix);
      s.bind(10, std::int64_t{c.revocation_reason});
    }};

const RecordTable<SsoLogin> kSsoLogins{
    "sso_logins", "state, challenge_id, nonce, code_verifier, created",
    [](const Statement& r) {
      return SsoLogin{r.column_text(0), r.column_text(1), r.column_text(2), r.column_text(3),
                      r.column_int(4)};
    },
    [](Statement& s, const SsoLogin& l) {
      s.bind(1, l.state).bind(2, l.challenge_id).bind(3, l.nonce).bind(4, l.code_verifier);
      s.bind(5, l.created_unix);
    }};

// insert adds record as a new row of its table.
template <class T>
Result<void> insert(Database& db, const RecordTable<T>& t, const T& record) {
  std::string placeholders = "?";
  for (const char* c = t.columns; *c != '\0'; ++c) {
    if (*c == ',') placeholders += ", ?";
  }
  ZTM_TRY_ASSIGN(auto s, db.prepare(std::string("INSERT INTO ") + t.table + " (" + t.columns +
                                    ") VALUES (" + placeholders + ")"));
  t.bind(s, record);
  return s.run();
}

// select_where prepares "SELECT <columns> FROM <table> WHERE <where>" with its one
// parameter bound to key.
template <class T, class Key>
Result<Statement> select_where(Database& db, const RecordTable<T>& t, const char* where,
                               const Key& key) {
  ZTM_TRY_ASSIGN(auto s, db.prepare(std::string("SELECT ") + t.columns + " FROM " + t.table +
                                    " WHERE " + where));
  s.bind(1, key);
  return s;
}

// find_one runs a query expected to return zero or one row.
template <class T, class Key>
Result<std::optional<T>> find_one(Database& db, const RecordTable<T>& t, const char* where,
                                  const Key& key) {
  ZTM_TRY_ASSIGN(auto s, select_where(db, t, where, key));
  ZTM_TRY_ASSIGN(bool row, s.step());
  if (!row) return std::optional<T>{};
  return std::optional<T>{t.read(s)};
}

// all_rows collects every row of a query.
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

template <class T, class Key>
Result<std::vector<T>> find_all(Database& db, const RecordTable<T>& t, const char* where,
                                const Key& key) {
  ZTM_TRY_ASSIGN(auto s, select_where(db, t, where, key));
  return all_rows<T>(s, t.read);
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
  return insert(*db_, kAccounts, a);
}

Result<std::optional<AccountRecord>> AcmeStore::account(const std::string& id) {
  std::lock_guard lock(mutex_);
  return find_one(*db_, kAccounts, "id = ?", id);
}

Result<std::optional<AccountRecord>> AcmeStore::account_by_thumbprint(const std::string& tp) {
  std::lock_guard lock(mutex_);
  return find_one(*db_, kAccounts, "thumbprint = ?", tp);
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
    ZTM_TRY(insert(*db_, kOrders, o));
    for (const auto& a : authzs) ZTM_TRY(insert(*db_, kAuthorizations, a));
    for (const auto& c : challenges) ZTM_TRY(insert(*db_, kChallenges, c));
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
  return find_one(*db_, kOrders, "id = ?", id);
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
  return find_all(*db_, kAuthorizations, "order_id = ? ORDER BY rowid", oid);
}

Result<std::optional<AuthorizationRecord>> AcmeStore::authorization(const std::string& id) {
  std::lock_guard lock(mutex_);
  return find_one(*db_, kAuthorizations, "id = ?", id);
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
  return find_all(*db_, kChallenges, "authz_id = ? ORDER BY rowid", authz_id);
}

Result<std::optional<ChallengeRecord>> AcmeStore::challenge(const std::string& id) {
  std::lock_guard lock(mutex_);
  return find_one(*db_, kChallenges, "id = ?", id);
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
  return insert(*db_, kCertificates, c);
}

Result<std::optional<CertificateRecord>> AcmeStore::certificate(const std::string& id) {
  std::lock_guard lock(mutex_);
  return find_one(*db_, kCertificates, "id = ?", id);
}

Result<std::optional<CertificateRecord>> AcmeStore::certificate_by_serial(
    const std::string& serial_hex) {
  std::lock_guard lock(mutex_);
  return find_one(*db_, kCertificates, "serial = ?", serial_hex);
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
  return find_all(*db_, kCertificates, "revoked = 1 AND not_after >= ? ORDER BY rowid", now_unix);
}

Result<void> AcmeStore::insert_sso_login(const SsoLogin& l) {
  std::lock_guard lock(mutex_);
  return insert(*db_, kSsoLogins, l);
}

Result<std::optional<SsoLogin>> AcmeStore::take_sso_login(const std::string& state) {
  std::lock_guard lock(mutex_);
  ZTM_TRY_ASSIGN(auto login, find_one(*db_, kSsoLogins, "state = ?", state));
  if (login) {
    ZTM_TRY_ASSIGN(auto d, db_->prepare("DELETE FROM sso_logins WHERE state = ?"));
    d.bind(1, state);
    ZTM_TRY(d.run());
  }
  return login;
}

}  // namespace ztm::identity
