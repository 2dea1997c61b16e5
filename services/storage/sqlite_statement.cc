#include "services/storage/internal/sqlite_statement.h"

#include "absl/strings/str_cat.h"
#include "throughcare/status_macros.h"
#include "throughcare/storage.h"

namespace throughcare::storage::sqlite_internal {

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string message = absl::StrCat("sqlite: ", what, ": ", sqlite3_errstr(rc));
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    absl::StrAppend(&message, " (", sqlite3_errmsg(db), ")");
  }
  switch (rc & 0xff) {
    case SQLITE_FULL: {
      const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
      return absl::ResourceExhaustedError(
          absl::StrCat(kStorageFull, ": no space left to write ",
                       file != nullptr && *file != '\0' ? file : "the database",
                       "; writes succeed again once space is freed (", message, ")"));
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  auto conn = std::unique_ptr<Connection>(new Connection(db));
  if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("open ", path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  RETURN_IF_ERROR(conn->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
      // Savepoints (one per closure) journal the pages they touch: in memory, not in a file.
      "PRAGMA temp_store=MEMORY; "
      // Deleted content (an erased record's key) is overwritten, not left in free pages.
      "PRAGMA secure_delete=ON; "
      // Decisions read a person's rows at random across the file: keep it mapped, and a
      // larger page cache per connection.
      "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768;"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

absl::Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return absl::OkStatus();
  absl::Status status = SqliteError(db_, rc, err != nullptr ? err : sql);
  sqlite3_free(err);
  return status;
}

absl::Status Connection::ExecCached(const char* sql) {
  absl::StatusOr<std::unique_ptr<Stmt>> s = Prepare(sql);
  if (!s.ok()) return s.status();
  return (*s)->ExecStatus();
}

absl::StatusOr<std::unique_ptr<Stmt>> Connection::Prepare(const char* sql) {
  sqlite3_stmt*& stmt = cache_[sql];
  if (stmt == nullptr) {
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      cache_.erase(sql);
      return SqliteError(db_, rc, sql);
    }
  }
  return std::make_unique<Stmt>(db_, stmt);
}

}  // namespace throughcare::storage::sqlite_internal
