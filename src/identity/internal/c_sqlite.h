// c_sqlite: a small RAII wrapper over SQLite's C API for the ACME CA's store. One
// Database owns one connection; a Statement owns one prepared statement. Every call
// returns Result so a full disk or a corrupt file becomes an io_error, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ztm::identity::internal {

class Statement;

// Database owns an open SQLite connection (closed on destruction). Not thread-safe:
// the owner serializes access.
class Database {
 public:
  // open opens or creates the database file at path (":memory:" for a private one).
  static Result<Database> open(const std::string& path);
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // exec runs one or more statements that take no parameters and return no rows.
  Result<void> exec(std::string_view sql);
  // prepare compiles one statement; the Statement must not outlive this Database.
  Result<Statement> prepare(std::string_view sql);
  // changes is the number of rows the last INSERT/UPDATE/DELETE touched.
  int changes() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Statement is a prepared statement. Parameters are bound by 1-based index; step()
// advances to the next row (true) or the end (false); columns are read by 0-based
// index from the current row.
class Statement {
 public:
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, ByteView blob);
  Statement& bind_null(int index);
  Statement& bind_optional(int index, const std::optional<std::string>& text);

  // step runs the statement: true when a row is available, false when done. A bind
  // failure recorded earlier is reported here.
  Result<bool> step();
  // run steps a statement that returns no rows.
  Result<void> run();

  std::string column_text(int index) const;
  std::optional<std::string> column_optional_text(int index) const;
  std::int64_t column_int(int index) const;
  Bytes column_blob(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = 0;
};

}  // namespace ztm::identity::internal
