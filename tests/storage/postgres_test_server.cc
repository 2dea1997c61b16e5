#include "tests/storage/postgres_test_server.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace throughcare::testing {
namespace {

std::string& Conninfo() {
  static std::string conninfo;
  return conninfo;
}
std::string& OwnState() {  // set when this process started the server
  static std::string state;
  return state;
}

std::string Script() { return std::string(TC_SOURCE_DIR) + "/tests/storage/postgres_server.sh"; }

bool ReadConninfo(const std::string& state) { return UsePostgresServerIn(state).ok(); }

// Runs one statement on the server's maintenance database; the error text, empty on success.
std::string AdminExec(const std::string& sql) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(
      PQconnectdb((Conninfo() + " dbname=postgres").c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return PQerrorMessage(conn.get());
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(conn.get(), sql.c_str()),
                                                         &PQclear);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return "";
  const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  // Exists already (42P04), or was just created by a test running beside (23505).
  if (state != nullptr && (std::string(state) == "42P04" || std::string(state) == "23505")) {
    return "";
  }
  return PQresultErrorMessage(result.get());
}

}  // namespace

void PostgresServerEnvironment::SetUp() {
  const char* fixture = std::getenv("TC_POSTGRES_STATE");
  if (fixture != nullptr && ReadConninfo(fixture)) return;
  char dir[] = "/tmp/tc-pg-state-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  OwnState() = dir;
  ASSERT_TRUE(PostgresServerScript("start", OwnState()).ok())
      << "could not start PostgreSQL for the tests";
  ASSERT_TRUE(ReadConninfo(OwnState()));
}

void PostgresServerEnvironment::TearDown() {
  if (OwnState().empty()) return;
  PostgresServerScript("stop", OwnState()).IgnoreError();
  std::filesystem::remove_all(OwnState());
}

absl::Status UsePostgresServerIn(const std::string& state) {
  absl::StatusOr<std::string> conninfo = PostgresConninfoIn(state);
  if (!conninfo.ok()) return conninfo.status();
  Conninfo() = *conninfo;
  return absl::OkStatus();
}

const std::string& PostgresServerConninfo() { return Conninfo(); }

absl::Status PostgresServerScript(const std::string& command, const std::string& state) {
  if (std::system((Script() + " " + command + " " + state).c_str()) != 0) {
    return absl::InternalError(absl::StrCat("postgres_server.sh ", command, " failed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PostgresConninfoIn(const std::string& state) {
  std::ifstream in(state + "/conninfo");
  std::stringstream text;
  text << in.rdbuf();
  std::string conninfo(absl::StripAsciiWhitespace(text.str()));
  if (conninfo.empty()) return absl::NotFoundError(absl::StrCat("no server in ", state));
  return conninfo;
}

absl::StatusOr<std::string> PostgresDatabaseFor(const std::string& location) {
  if (Conninfo().empty()) return absl::FailedPreconditionError("no PostgreSQL server");
  const std::string name =
      absl::StrFormat("tc_%016x", static_cast<uint64_t>(std::hash<std::string>()(location)));
  std::string error = AdminExec("CREATE DATABASE " + name);
  if (!error.empty()) return absl::UnavailableError(absl::StrCat("create database: ", error));
  return absl::StrCat(Conninfo(), " dbname=", name);
}

}  // namespace throughcare::testing
