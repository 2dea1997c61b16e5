#include "services/storage/internal/postgres_connection.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "throughcare/storage.h"

namespace throughcare::storage::pg_internal {

absl::Status PgError(absl::string_view sqlstate, absl::string_view what,
                     absl::string_view message) {
  std::string text = absl::StrCat("postgres: ", what, ": ",
                                  absl::StripTrailingAsciiWhitespace(message));
  if (!sqlstate.empty()) absl::StrAppend(&text, " (SQLSTATE ", sqlstate, ")");
  if (sqlstate == "53100") {
    // disk_full: the contract's words for a full disk (IsStorageFull), so that the broker's
    // health check tells it from an outage.
    return absl::ResourceExhaustedError(absl::StrCat(
        kStorageFull, ": PostgreSQL has no space left to write; writes succeed again once space "
        "is freed (", text, ")"));
  }
  if (sqlstate.empty() || absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "53") ||
      absl::StartsWith(sqlstate, "57P") || sqlstate == "25006") {
    // No state (lost connection), connection exceptions, insufficient resources, shutdowns,
    // a read-only server (a standby): try again later, perhaps on another server.
    return absl::UnavailableError(text);
  }
  if (IsConflict(sqlstate)) return absl::AbortedError(text);
  if (absl::StartsWith(sqlstate, "23")) return absl::AlreadyExistsError(text);
  if (sqlstate == "XX001" || sqlstate == "XX002") return absl::DataLossError(text);
  return absl::InternalError(text);
}

bool IsConflict(absl::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

Params& Params::Text(absl::string_view text) {
  values_.emplace_back(text);
  null_.push_back(false);
  formats_.push_back(0);
  return *this;
}
Params& Params::Int(int64_t value) { return Text(absl::StrCat(value)); }
Params& Params::Bytes(absl::string_view bytes) {
  Text(bytes);
  formats_.back() = 1;
  return *this;
}
Params& Params::Time(absl::Time t) { return Int(sqlite_internal::ToMicros(t)); }
Params& Params::OptionalTime(const std::optional<absl::Time>& t) {
  if (t.has_value()) return Time(*t);
  Text("");
  null_.back() = true;
  return *this;
}
Params& Params::TextOrNull(absl::string_view text) {
  Text(text);
  null_.back() = text.empty();
  return *this;
}

std::vector<const char*> Params::Values() const {
  std::vector<const char*> out;
  for (size_t i = 0; i < values_.size(); ++i) out.push_back(null_[i] ? nullptr : values_[i].data());
  return out;
}
std::vector<int> Params::Lengths() const {
  std::vector<int> out;
  for (const std::string& v : values_) out.push_back(static_cast<int>(v.size()));
  return out;
}

int64_t Result::affected() const {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_.get()), &n) ? n : 0;
}

std::string Result::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     PQgetlength(result_.get(), row, col));
}
int64_t Result::Int(int row, int col) const {
  int64_t n = 0;  // NULL reads as 0, as sqlite3_column_int64 does
  return absl::SimpleAtoi(PQgetvalue(result_.get(), row, col), &n) ? n : 0;
}
absl::Time Result::Time(int row, int col) const {
  return sqlite_internal::FromMicros(Int(row, col));
}
std::optional<absl::Time> Result::OptionalTime(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Time(row, col);
}
std::string Result::Bytes(int row, int col) const {
  if (IsNull(row, col)) return std::string();
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, col)), &length);
  if (bytes == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& dsn) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  auto owned = std::unique_ptr<Connection>(new Connection(conn));
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        "PostgreSQL is unreachable: ",
        conn == nullptr ? "out of memory"
                        : absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
  }
  // Every commit is durable before it is answered, whatever the server's default; times are
  // stored as numbers, so the session's time zone does not matter.
  // Notices ("already exists, skipping") are not errors and are not printed.
  absl::Status set =
      owned->Run("SET synchronous_commit = on; SET client_min_messages = warning");
  if (!set.ok()) return set;
  return owned;
}

Connection::~Connection() { PQfinish(conn_); }

absl::StatusOr<Result> Connection::Check(PGresult* result, absl::string_view what) {
  ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Result(result);
  Result owned(result);  // freed on return
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  last_sqlstate_ = state == nullptr ? "" : state;
  if (IsConflict(last_sqlstate_)) conflict_ = true;
  return PgError(last_sqlstate_, what,
                 result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
}

absl::Status Connection::Run(const std::string& sql) {
  return Check(PQexec(conn_, sql.c_str()), sql).status();
}

absl::StatusOr<Result> Connection::Exec(const char* sql, const Params& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = absl::StrCat("s", prepared_.size());
    PGresult* prepared = PQprepare(conn_, name.c_str(), sql, 0, nullptr);
    absl::StatusOr<Result> ok = Check(prepared, sql);
    if (!ok.ok()) return ok.status();
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values = params.Values();
  std::vector<int> lengths = params.Lengths();
  return Check(PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(),
                              lengths.data(), params.Formats().data(), 0),
               sql);
}

}  // namespace throughcare::storage::pg_internal
