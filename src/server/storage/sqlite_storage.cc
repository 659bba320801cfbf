// SqliteStorage: the Storage interface over one SQLite database file (the default
// store of `ztmeet server --db`). One connection, prepared statements, one
// transaction per event. Schema version 2 (PRAGMA user_version); a version 1 file is
// migrated in place (participants.host added, 0 for everyone).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "ztm/server/storage.h"

namespace ztm::server {
namespace {

constexpr int kSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meetings (
  meeting TEXT PRIMARY KEY,
  cipher_suite INTEGER NOT NULL,
  group_id BLOB,
  epoch INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  leader TEXT,
  next_participant_number INTEGER NOT NULL,
  group_info BLOB
);
CREATE TABLE IF NOT EXISTS participants (
  meeting TEXT NOT NULL,
  participant TEXT NOT NULL,
  display_hint TEXT NOT NULL,
  token_hash BLOB NOT NULL,
  creator INTEGER NOT NULL,
  in_group INTEGER NOT NULL,
  leaf INTEGER,
  admission_seq INTEGER NOT NULL,
  removal_pending INTEGER NOT NULL,
  demoted INTEGER NOT NULL,
  key_package BLOB,
  welcome BLOB,
  welcome_epoch INTEGER NOT NULL,
  welcome_seq INTEGER NOT NULL,
  host INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (meeting, participant)
);
CREATE TABLE IF NOT EXISTS handshake_log (
  meeting TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  sender TEXT NOT NULL,
  message BLOB NOT NULL,
  PRIMARY KEY (meeting, seq)
);
CREATE TABLE IF NOT EXISTS service_keys (
  name TEXT PRIMARY KEY,
  key BLOB NOT NULL
);
)sql";

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept {
    std::swap(stmt_, o.stmt_);
    return *this;
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStorage final : public Storage {
 public:
  ~SqliteStorage() override {
    statements_.clear();
    sqlite3_close(db_);
  }

  static Result<std::unique_ptr<Storage>> open(const std::string& path) {
    // Create the file 0600 ourselves: SQLite gives its -wal and -shm files the
    // database file's permissions.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fail(Errc::io_error, "storage: cannot open " + path);
    ::close(fd);
    auto storage = std::unique_ptr<SqliteStorage>(new SqliteStorage());
    if (sqlite3_open_v2(path.c_str(), &storage->db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      return fail(Errc::io_error, "storage: cannot open " + path);
    }
    sqlite3_busy_timeout(storage->db_, 2000);
    ZTM_TRY(storage->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
    ZTM_TRY_ASSIGN(auto version, storage->user_version());
    if (version == 1) {
      // Version 2 added the host flag (docs/decisions/0074): nobody was host before.
      ZTM_TRY(
          storage->exec("ALTER TABLE participants ADD COLUMN host INTEGER NOT NULL DEFAULT 0;"
                        "PRAGMA user_version=2;"));
      version = kSchemaVersion;
    }
    if (version != 0 && version != kSchemaVersion) {
      return fail(Errc::io_error, "storage: " + path + " has schema version " +
                                      std::to_string(version) + ", expected " +
                                      std::to_string(kSchemaVersion));
    }
    ZTM_TRY(storage->exec(kSchema));
    ZTM_TRY(storage->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion)));
    return std::unique_ptr<Storage>(std::move(storage));
  }

  Result<std::vector<MeetingRecord>> load_all() override {
    std::map<std::string, MeetingRecord> meetings;
    {
      ZTM_TRY_ASSIGN(auto* s, prepare("SELECT meeting, cipher_suite, group_id, epoch, last_seq, "
                                      "leader, next_participant_number, group_info FROM meetings"));
      int rc;
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        MeetingRecord m;
        m.meeting = text(s, 0);
        m.cipher_suite = static_cast<std::uint16_t>(sqlite3_column_int(s, 1));
        m.group_id = opt_blob(s, 2);
        m.epoch = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
        m.last_seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 4));
        if (sqlite3_column_type(s, 5) != SQLITE_NULL) m.leader = text(s, 5);
        m.next_participant_number = static_cast<std::uint64_t>(sqlite3_column_int64(s, 6));
        m.group_info = opt_blob(s, 7);
        meetings.emplace(m.meeting, std::move(m));
      }
      ZTM_TRY(done(rc, s));
    }
    {
      ZTM_TRY_ASSIGN(auto* s, prepare("SELECT meeting, participant, display_hint, token_hash, "
                                      "creator, in_group, leaf, admission_seq, removal_pending, "
                                      "demoted, key_package, welcome, welcome_epoch, welcome_seq, "
                                      "host FROM participants"));
      int rc;
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        auto it = meetings.find(text(s, 0));
        if (it == meetings.end()) continue;
        ParticipantRecord p;
        p.participant = text(s, 1);
        p.display_hint = text(s, 2);
        p.resume_token_hash = opt_blob(s, 3).value_or(Bytes{});
        p.creator = sqlite3_column_int(s, 4) != 0;
        p.in_group = sqlite3_column_int(s, 5) != 0;
        if (sqlite3_column_type(s, 6) != SQLITE_NULL) {
          p.leaf = static_cast<std::uint32_t>(sqlite3_column_int64(s, 6));
        }
        p.admission_seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 7));
        p.removal_pending = sqlite3_column_int(s, 8) != 0;
        p.demoted = sqlite3_column_int(s, 9) != 0;
        p.key_package = opt_blob(s, 10);
        p.welcome = opt_blob(s, 11);
        p.welcome_epoch = static_cast<std::uint64_t>(sqlite3_column_int64(s, 12));
        p.welcome_seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 13));
        p.host = sqlite3_column_int(s, 14) != 0;
        it->second.participants.push_back(std::move(p));
      }
      ZTM_TRY(done(rc, s));
    }
    {
      ZTM_TRY_ASSIGN(auto* s, prepare("SELECT meeting, seq, kind, epoch, sender, message FROM "
                                      "handshake_log ORDER BY meeting, seq"));
      int rc;
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        auto it = meetings.find(text(s, 0));
        if (it == meetings.end()) continue;
        LogRecord e;
        e.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
        const int kind = sqlite3_column_int(s, 2);
        if (kind < 0 || kind > 2) return fail(Errc::io_error, "storage: bad log kind");
        e.kind = static_cast<meeting::protocol::MlsKind>(kind);
        e.epoch = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
        e.sender = text(s, 4);
        e.message = opt_blob(s, 5).value_or(Bytes{});
        it->second.log.push_back(std::move(e));
      }
      ZTM_TRY(done(rc, s));
    }
    std::vector<MeetingRecord> all;
    for (auto& [id, m] : meetings) all.push_back(std::move(m));
    return all;
  }

  Result<void> begin() override {
    // A write that failed inside the previous event's transaction left it open.
    if (sqlite3_get_autocommit(db_) == 0) ZTM_TRY(exec("ROLLBACK"));
    return exec("BEGIN");
  }
  Result<void> commit() override { return exec("COMMIT"); }

  Result<void> put_meeting(const MeetingRecord& m) override {
    ZTM_TRY_ASSIGN(auto* s, prepare("INSERT OR REPLACE INTO meetings VALUES (?,?,?,?,?,?,?,?)"));
    bind_text(s, 1, m.meeting);
    sqlite3_bind_int(s, 2, m.cipher_suite);
    bind_blob(s, 3, m.group_id);
    sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(m.epoch));
    sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(m.last_seq));
    if (m.leader) {
      bind_text(s, 6, *m.leader);
    } else {
      sqlite3_bind_null(s, 6);
    }
    sqlite3_bind_int64(s, 7, static_cast<sqlite3_int64>(m.next_participant_number));
    bind_blob(s, 8, m.group_info);
    return run(s);
  }

  Result<void> delete_meeting(const std::string& meeting) override {
    for (const char* sql :
         {"DELETE FROM meetings WHERE meeting=?", "DELETE FROM participants WHERE meeting=?",
          "DELETE FROM handshake_log WHERE meeting=?"}) {
      ZTM_TRY_ASSIGN(auto* s, prepare(sql));
      bind_text(s, 1, meeting);
      ZTM_TRY(run(s));
    }
    return ok();
  }

  Result<void> put_participant(const std::string& meeting, const ParticipantRecord& p) override {
    ZTM_TRY_ASSIGN(auto* s, prepare("INSERT OR REPLACE INTO participants VALUES "
                                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    bind_text(s, 1, meeting);
    bind_text(s, 2, p.participant);
    bind_text(s, 3, p.display_hint);
    bind_blob(s, 4, p.resume_token_hash);
    sqlite3_bind_int(s, 5, p.creator);
    sqlite3_bind_int(s, 6, p.in_group);
    if (p.leaf) {
      sqlite3_bind_int64(s, 7, *p.leaf);
    } else {
      sqlite3_bind_null(s, 7);
    }
    sqlite3_bind_int64(s, 8, static_cast<sqlite3_int64>(p.admission_seq));
    sqlite3_bind_int(s, 9, p.removal_pending);
    sqlite3_bind_int(s, 10, p.demoted);
    bind_blob(s, 11, p.key_package);
    bind_blob(s, 12, p.welcome);
    sqlite3_bind_int64(s, 13, static_cast<sqlite3_int64>(p.welcome_epoch));
    sqlite3_bind_int64(s, 14, static_cast<sqlite3_int64>(p.welcome_seq));
    sqlite3_bind_int(s, 15, p.host);
    return run(s);
  }

  Result<void> delete_participant(const std::string& meeting,
                                  const std::string& participant) override {
    ZTM_TRY_ASSIGN(auto* s, prepare("DELETE FROM participants WHERE meeting=? AND participant=?"));
    bind_text(s, 1, meeting);
    bind_text(s, 2, participant);
    return run(s);
  }

  Result<void> append_log(const std::string& meeting, const LogRecord& e) override {
    ZTM_TRY_ASSIGN(auto* s, prepare("INSERT INTO handshake_log VALUES (?,?,?,?,?,?)"));
    bind_text(s, 1, meeting);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(e.seq));
    sqlite3_bind_int(s, 3, static_cast<int>(e.kind));
    sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(e.epoch));
    bind_text(s, 5, e.sender);
    bind_blob(s, 6, e.message);
    return run(s);
  }

  Result<std::optional<SecretBytes>> service_key(const std::string& name) override {
    ZTM_TRY_ASSIGN(auto* s, prepare("SELECT key FROM service_keys WHERE name=?"));
    bind_text(s, 1, name);
    std::optional<SecretBytes> key;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 0));
      key = SecretBytes(ByteView(data, static_cast<std::size_t>(sqlite3_column_bytes(s, 0))));
      rc = sqlite3_step(s);
    }
    ZTM_TRY(done(rc, s));
    return key;
  }

  Result<void> put_service_key(const std::string& name, const SecretBytes& key) override {
    ZTM_TRY_ASSIGN(auto* s, prepare("INSERT OR REPLACE INTO service_keys VALUES (?,?)"));
    bind_text(s, 1, name);
    const ByteView bytes = key.expose();
    sqlite3_bind_blob(s, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return run(s);
  }

 private:
  SqliteStorage() = default;

  Result<void> exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown";
      sqlite3_free(message);
      return fail(Errc::io_error, "storage: " + text);
    }
    return ok();
  }

  Result<int> user_version() {
    ZTM_TRY_ASSIGN(auto* s, prepare("PRAGMA user_version"));
    int version = 0;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      version = sqlite3_column_int(s, 0);
      rc = sqlite3_step(s);
    }
    ZTM_TRY(done(rc, s));
    return version;
  }

  // prepare returns a cached statement, reset and with its bindings cleared.
  Result<sqlite3_stmt*> prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
        return fail(Errc::io_error, std::string("storage: ") + sqlite3_errmsg(db_));
      }
      it = statements_.emplace(sql, Statement(stmt)).first;
    }
    sqlite3_reset(it->second.get());
    sqlite3_clear_bindings(it->second.get());
    return it->second.get();
  }

  Result<void> run(sqlite3_stmt* s) { return done(sqlite3_step(s), s); }

  Result<void> done(int rc, sqlite3_stmt* s) {
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      return fail(Errc::io_error, std::string("storage: ") + sqlite3_errmsg(db_));
    }
    return ok();
  }

  static std::string text(sqlite3_stmt* s, int col) {
    const auto* t = sqlite3_column_text(s, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
             : std::string();
  }
  static std::optional<Bytes> opt_blob(sqlite3_stmt* s, int col) {
    if (sqlite3_column_type(s, col) == SQLITE_NULL) return std::nullopt;
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(s, col));
    return data ? Bytes(data, data + size) : Bytes{};
  }
  static void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static void bind_blob(sqlite3_stmt* s, int i, const Bytes& v) {
    // A zero-length blob (not NULL): sqlite3_bind_zeroblob.
    if (v.empty()) {
      sqlite3_bind_zeroblob(s, i, 0);
    } else {
      sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
  }
  static void bind_blob(sqlite3_stmt* s, int i, const std::optional<Bytes>& v) {
    if (v) {
      bind_blob(s, i, *v);
    } else {
      sqlite3_bind_null(s, i);
    }
  }

  sqlite3* db_ = nullptr;
  std::map<std::string, Statement> statements_;
};

}  // namespace

Result<std::unique_ptr<Storage>> open_sqlite_storage(const std::string& path) {
  return SqliteStorage::open(path);
}

}  // namespace ztm::server
