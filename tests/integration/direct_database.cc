#include "tests/integration/direct_database.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "absl/strings/str_cat.h"

namespace throughcare::testing {
namespace {

using PgConn = std::unique_ptr<PGconn, void (*)(PGconn*)>;
using PgResult = std::unique_ptr<PGresult, void (*)(PGresult*)>;
using SqliteDb = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

bool OnPostgres(const server::BrokerConfig& config) { return !config.postgres_dsn.empty(); }

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

absl::StatusOr<PgConn> ConnectPostgres(const server::BrokerConfig& config) {
  PgConn conn(PQconnectdb(config.postgres_dsn.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(PQerrorMessage(conn.get()));
  }
  return conn;
}

// The first column of the first row of `sql` in binary form (a bytea's bytes as stored), or the
// error; `text` asks for the text form instead (a number's digits).
absl::StatusOr<std::string> PostgresValue(PGconn* conn, const std::string& sql, bool text) {
  PgResult result(PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                               text ? 0 : 1),
                  &PQclear);
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return absl::InternalError(absl::StrCat(sql, ": ", PQresultErrorMessage(result.get())));
  }
  if (PQntuples(result.get()) == 0 || PQnfields(result.get()) == 0) return "";
  return std::string(PQgetvalue(result.get(), 0, 0), PQgetlength(result.get(), 0, 0));
}

absl::StatusOr<SqliteDb> OpenSqlite(const server::BrokerConfig& config) {
  sqlite3* db = nullptr;
  SqliteDb owned(nullptr, &sqlite3_close);
  int rc = sqlite3_open_v2(config.sqlite_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  owned.reset(db);
  if (rc != SQLITE_OK) return absl::UnavailableError(sqlite3_errstr(rc));
  sqlite3_busy_timeout(db, 10000);
  return owned;
}

}  // namespace

absl::Status DirectExec(const server::BrokerConfig& config, const std::string& sql) {
  if (OnPostgres(config)) {
    absl::StatusOr<PgConn> conn = ConnectPostgres(config);
    if (!conn.ok()) return conn.status();
    PgResult result(PQexec(conn->get(), sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK &&
        PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
      return absl::InternalError(absl::StrCat(sql, ": ", PQresultErrorMessage(result.get())));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<SqliteDb> db = OpenSqlite(config);
  if (!db.ok()) return db.status();
  char* error = nullptr;
  if (sqlite3_exec(db->get(), sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status failed = absl::InternalError(absl::StrCat(sql, ": ", error));
    sqlite3_free(error);
    return failed;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DirectQuery(const server::BrokerConfig& config,
                                        const std::string& sql) {
  if (OnPostgres(config)) {
    absl::StatusOr<PgConn> conn = ConnectPostgres(config);
    if (!conn.ok()) return conn.status();
    // Numbers in their digits, as SQLite gives them; everything else as stored.
    absl::StatusOr<std::string> type =
        PostgresValue(conn->get(), absl::StrCat("SELECT pg_typeof((", sql, "))::text"), true);
    const bool text = type.ok() && (*type == "bigint" || *type == "integer");
    return PostgresValue(conn->get(), sql, text);
  }
  absl::StatusOr<SqliteDb> db = OpenSqlite(config);
  if (!db.ok()) return db.status();
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db->get(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return absl::InternalError(absl::StrCat(sql, ": ", sqlite3_errmsg(db->get())));
  }
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out.assign(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
               sqlite3_column_bytes(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return out;
}

absl::Status BreakAuditInserts(const server::BrokerConfig& config) {
  if (OnPostgres(config)) {
    return DirectExec(config,
                      "CREATE FUNCTION audit_unavailable() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$BEGIN RAISE EXCEPTION 'audit storage failure injected by test'; END$$;"
                      "CREATE TRIGGER audit_unavailable BEFORE INSERT ON audit_entries "
                      "FOR EACH ROW EXECUTE FUNCTION audit_unavailable()");
  }
  return DirectExec(config,
                    "CREATE TRIGGER audit_unavailable BEFORE INSERT ON audit_entries BEGIN "
                    "SELECT RAISE(ABORT, 'audit storage failure injected by test'); END");
}

absl::StatusOr<std::string> StoredBytes(const server::BrokerConfig& config) {
  if (!OnPostgres(config)) {
    return ReadWhole(config.sqlite_path) + ReadWhole(config.sqlite_path + "-wal");
  }
  absl::StatusOr<PgConn> conn = ConnectPostgres(config);
  if (!conn.ok()) return conn.status();
  absl::StatusOr<std::string> checkpoint = PostgresValue(conn->get(), "CHECKPOINT", true);
  absl::StatusOr<std::string> data = PostgresValue(conn->get(), "SHOW data_directory", true);
  absl::StatusOr<std::string> oid = PostgresValue(
      conn->get(), "SELECT oid::text FROM pg_database WHERE datname = current_database()", true);
  if (!checkpoint.ok() || !data.ok() || !oid.ok()) {
    return absl::InternalError("could not find the database's files");
  }
  std::string all;
  for (const auto& file :
       std::filesystem::directory_iterator(std::filesystem::path(*data) / "base" / *oid)) {
    if (file.is_regular_file()) all += ReadWhole(file.path());
  }
  return all;
}

}  // namespace throughcare::testing
