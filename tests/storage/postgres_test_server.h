// A real PostgreSQL server for the storage tests, and a fresh database per test on it.
//
// Under ctest the server is the `postgres` fixture's (tests/storage/CMakeLists.txt), started once
// for every PostgreSQL test by tests/storage/postgres_server.sh; the fixture tells the tests
// where through TC_POSTGRES_STATE. A test binary run by hand starts a server of its own with the
// same script and stops it at exit (PostgresServerEnvironment).
#ifndef THROUGHCARE_TESTS_STORAGE_POSTGRES_TEST_SERVER_H_
#define THROUGHCARE_TESTS_STORAGE_POSTGRES_TEST_SERVER_H_

#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace throughcare::testing {

// Starts (or finds) the server before the tests and stops one it started after them.
class PostgresServerEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

// Uses the server started in `state` (a postgres_server.sh state folder), as the environment does
// under ctest: for tests that run on PostgreSQL only when told to.
absl::Status UsePostgresServerIn(const std::string& state);

// The connection string (without dbname) of the server, once the environment is set up.
const std::string& PostgresServerConninfo();

// The connection string of the database for `location` (a test's folder), created empty the
// first time it is asked for: each test gets a database of its own, so tests are independent
// and may run side by side, and opening the same location again finds the same database.
absl::StatusOr<std::string> PostgresDatabaseFor(const std::string& location);

// Runs tests/storage/postgres_server.sh `command` (start, stop, down, up) on the server whose
// state folder is `state`: for a test that needs a server of its own to take down.
absl::Status PostgresServerScript(const std::string& command, const std::string& state);

// The connection string (without dbname) of the server started in `state`.
absl::StatusOr<std::string> PostgresConninfoIn(const std::string& state);

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_STORAGE_POSTGRES_TEST_SERVER_H_
