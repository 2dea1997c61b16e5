#include "services/storage/sqlite_storage.h"

#include <sqlite3.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

absl::StatusOr<std::unique_ptr<Storage>> OpenSqlite(const std::string& dir) {
  storage::SqliteOptions options;
  options.path = dir + "/throughcare.db";
  return storage::OpenSqliteStorage(options);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformanceTest,
                         ::testing::Values(StorageFactory{"sqlite", OpenSqlite}),
                         [](const auto& info) { return info.param.name; });

TEST(SqliteStorageTest, RefusesADatabaseFromANewerBroker) {
  std::string dir = ::testing::TempDir() + "/tc-sqlite-newer";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
    s->Close();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/throughcare.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 0)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_THAT(OpenSqlite(dir), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        ::testing::HasSubstr("newer")));
}

TEST(SqliteStorageTest, UsesWalAndFullSync) {
  std::string dir = ::testing::TempDir() + "/tc-sqlite-pragmas";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
  s->Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/throughcare.db").c_str(), &db), SQLITE_OK);
  std::string mode;
  sqlite3_exec(
      db, "PRAGMA journal_mode",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &mode, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(mode, "wal");
}

}  // namespace
}  // namespace throughcare::testing
