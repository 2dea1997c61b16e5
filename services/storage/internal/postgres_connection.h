// Internal to services/storage: the PostgreSQL backend's connection (libpq), its parameters,
// its results and the one mapping from SQLSTATE to the storage contract's status codes.
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_CONNECTION_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughcare::storage::pg_internal {

// The status for a failed statement with SQLSTATE `sqlstate` (empty when the server gave none,
// e.g. the connection was lost): ResourceExhausted beginning with kStorageFull
// (throughcare/storage.h) for a full disk (53100 disk_full); Unavailable for connection
// failures, shutdowns and other exhausted resources (retry the call); Aborted for serialization failures and deadlocks (the backend
// re-runs the closure); AlreadyExists for integrity violations; DataLoss for corruption;
// Internal otherwise. The message names `what` and carries the server's message.
absl::Status PgError(absl::string_view sqlstate, absl::string_view what,
                     absl::string_view message);

// True for the SQLSTATEs after which a write transaction is re-run: serialization failure
// (40001) and deadlock (40P01).
bool IsConflict(absl::string_view sqlstate);

// Statement parameters, $1 first, sent as text except for byte strings (sent as binary, so a
// BYTEA column takes any bytes).
class Params final {
 public:
  Params& Text(absl::string_view text);
  Params& Int(int64_t value);
  Params& Bytes(absl::string_view bytes);
  Params& Time(absl::Time t);
  // NULL when unset.
  Params& OptionalTime(const std::optional<absl::Time>& t);
  // NULL when empty.
  Params& TextOrNull(absl::string_view text);

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object: valid while it lives and is not changed.
  std::vector<const char*> Values() const;
  std::vector<int> Lengths() const;
  const std::vector<int>& Formats() const { return formats_; }

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> formats_;
};

// The rows of a statement, in text format. Owns the PGresult.
class Result final {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const;

  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  absl::Time Time(int row, int col) const;
  std::optional<absl::Time> OptionalTime(int row, int col) const;
  // A BYTEA column (text format: "\x" and hex digits).
  std::string Bytes(int row, int col) const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// One row of a Result, for the row mapping functions. Columns are 0-based.
class Row final {
 public:
  Row(const Result& result, int row) : result_(result), row_(row) {}
  bool IsNull(int col) const { return result_.IsNull(row_, col); }
  std::string Text(int col) const { return result_.Text(row_, col); }
  int64_t Int(int col) const { return result_.Int(row_, col); }
  absl::Time Time(int col) const { return result_.Time(row_, col); }
  std::optional<absl::Time> OptionalTime(int col) const { return result_.OptionalTime(row_, col); }
  std::string Bytes(int col) const { return result_.Bytes(row_, col); }

 private:
  const Result& result_;
  int row_;
};

// One libpq connection with its prepared statements. Not thread-safe.
class Connection final {
 public:
  // Connects with `dsn` (a libpq connection string or URI) and sets synchronous_commit on.
  // Unavailable, naming the server libpq tried, if it cannot connect.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& dsn);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (which may hold several statements, and no parameters), uncached.
  absl::Status Run(const std::string& sql);

  // Runs one statement with parameters, prepared once per connection: `sql` must outlive the
  // connection (a literal or a static string), as the cache is keyed by its address.
  absl::StatusOr<Result> Exec(const char* sql, const Params& params = Params());

  // Whether a statement failed with a serialization failure or deadlock since the last
  // ClearConflict (a closure may swallow the error; the engine still re-runs the transaction).
  bool conflict() const { return conflict_; }
  void ClearConflict() { conflict_ = false; }

  // Whether the connection to the server is still up.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  // The server's SQLSTATE of the last failed statement ("" if none or unknown).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  absl::StatusOr<Result> Check(PGresult* result, absl::string_view what);

  PGconn* conn_;
  absl::flat_hash_map<const char*, std::string> prepared_;
  bool conflict_ = false;
  std::string last_sqlstate_;
};

}  // namespace throughcare::storage::pg_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_CONNECTION_H_
