// Internal to services/storage: the SQLite backend's connections and prepared statements, and
// the mapping of SQLite result codes to absl::Status codes.
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_STATEMENT_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_STATEMENT_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/storage/internal/sqlite_encoding.h"

namespace throughcare::storage::sqlite_internal {

// The status for SQLite result code `rc` from `what` (a statement or an operation), with
// SQLite's message: ResourceExhausted beginning with kStorageFull (throughcare/storage.h) and
// naming the file for a full disk; Unavailable for busy, locked, I/O, cannot-open and read-only;
// DataLoss for corruption; AlreadyExists for constraint violations; Internal otherwise.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what);

// A prepared statement borrowed from a connection's cache; reset and unbound when it goes out of
// scope. Columns and parameters are 0- and 1-based as in SQLite.
class Stmt final {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, absl::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, absl::string_view bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t value) {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  // NULL when unset.
  Stmt& BindOptionalTime(int i, const std::optional<absl::Time>& t) {
    if (t.has_value()) {
      sqlite3_bind_int64(stmt_, i, ToMicros(*t));
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }

  // True if a row is available, false when done.
  absl::StatusOr<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, sqlite3_sql(stmt_));
  }
  // Runs a statement that returns no rows; returns the raw result code on failure for callers
  // that map constraint violations themselves.
  int Exec() {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  absl::Status ExecStatus() {
    int rc = Exec();
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, rc, sqlite3_sql(stmt_));
  }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  absl::Time Time(int col) const { return FromMicros(Int(col)); }
  std::optional<absl::Time> OptionalTime(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Time(col);
  }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One SQLite connection with its statement cache. Not thread-safe.
class Connection final {
 public:
  // Opens `path` (creating it if `create`) in WAL mode with synchronous=FULL. Unavailable if it
  // cannot be opened.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements, uncached.
  absl::Status Exec(const char* sql);

  // Exec for a statement run often (BEGIN, COMMIT): prepared once. `sql` must be a literal.
  absl::Status ExecCached(const char* sql);

  // `sql` must be a string literal: the cache is keyed by its address.
  absl::StatusOr<std::unique_ptr<Stmt>> Prepare(const char* sql);

  sqlite3* db() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  absl::flat_hash_map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace throughcare::storage::sqlite_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_STATEMENT_H_
