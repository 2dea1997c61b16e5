// The storage contract suite against a real PostgreSQL server (tests/storage/postgres_server.sh),
// a database per test, plus what only this backend has: its schema, its migrations and how it
// fails when the server is out of reach.
#include "services/storage/postgres_storage.h"

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/storage/conformance_values.h"
#include "tests/storage/postgres_test_server.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using namespace conformance_values;  // NOLINT: the suite's value builders

::testing::Environment* const kServer =
    ::testing::AddGlobalTestEnvironment(new PostgresServerEnvironment);

absl::StatusOr<std::unique_ptr<Storage>> OpenPostgres(const std::string& location,
                                                      Notifier* notifier = nullptr,
                                                      int pool_size = 2) {
  storage::PostgresOptions options;
  ASSIGN_OR_RETURN(options.dsn, PostgresDatabaseFor(location));
  options.pool_size = pool_size;
  options.notifier = notifier;
  return storage::OpenPostgresStorage(options);
}

// Two connections, so that the contract is held with writes committing side by side; several
// replicas are tested in postgres_engine_test.cc.
INSTANTIATE_TEST_SUITE_P(Postgres, StorageConformanceTest,
                         ::testing::Values(StorageFactory{
                             "postgres",
                             [](const std::string& location, Notifier& notifier) {
                               return OpenPostgres(location, &notifier);
                             }}),
                         StorageFactoryName);

// Runs `sql` on the database of `location`; the first column of each row.
std::vector<std::string> RawQuery(const std::string& location, const std::string& sql) {
  absl::StatusOr<std::string> dsn = PostgresDatabaseFor(location);
  EXPECT_THAT(dsn, IsOk());
  std::vector<std::string> rows;
  if (!dsn.ok()) return rows;
  PGconn* conn = PQconnectdb(dsn->c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK && PQresultStatus(result) != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
  }
  for (int i = 0; i < PQntuples(result); ++i) rows.push_back(PQgetvalue(result, i, 0));
  PQclear(result);
  PQfinish(conn);
  return rows;
}

std::string Location(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/tc-postgres-", getpid(), "-", name);
}

TEST(PostgresStorageTest, FreshDatabaseHasTheLatestSchemaWithBytewiseText) {
  const std::string location = Location("fresh");
  ASSERT_OK_AND_ASSIGN(auto s, OpenPostgres(location));
  s->Close();
  std::vector<std::string> versions;
  for (int v = 1; v <= storage::PostgresSchemaVersion(); ++v) versions.push_back(absl::StrCat(v));
  EXPECT_THAT(RawQuery(location, "SELECT version FROM schema_migrations ORDER BY version"),
              ::testing::ElementsAreArray(versions));
  EXPECT_THAT(RawQuery(location, "SELECT size FROM audit_tree_head"), ::testing::ElementsAre("0"));
  EXPECT_THAT(RawQuery(location, "SELECT beats FROM heartbeat"), ::testing::ElementsAre("0"));
  EXPECT_THAT(RawQuery(location,
                       "SELECT collation_name FROM information_schema.columns "
                       "WHERE table_name = 'referral_deadlines' AND column_name = 'name'"),
              ::testing::ElementsAre("C"));
}

TEST(PostgresStorageTest, RefusesADatabaseFromANewerBroker) {
  const std::string location = Location("newer");
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenPostgres(location));
    s->Close();
  }
  RawQuery(location, "INSERT INTO schema_migrations VALUES (999, 0)");
  EXPECT_THAT(OpenPostgres(location), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               ::testing::HasSubstr("newer")));
}

TEST(PostgresStorageTest, MigratesADatabaseOfVersionOneKeepingItsRows) {
  const std::string location = Location("from-v1");
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenPostgres(location));
    ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
                IsOk());
    s->Close();
  }
  // Back to version 1, as a broker from before the receipts left it.
  RawQuery(location, "DROP TABLE receipts; DROP TABLE heartbeat; "
                     "DELETE FROM schema_migrations WHERE version > 1");
  ASSERT_OK_AND_ASSIGN(auto s, OpenPostgres(location));
  EXPECT_THAT(RawQuery(location, "SELECT MAX(version) FROM schema_migrations"),
              ::testing::ElementsAre(absl::StrCat(storage::PostgresSchemaVersion())));
  Receipt r;
  r.agency_id = "hmp-northgate";
  r.key = "hmpps:evt-1";
  r.request_id = "req-1";
  r.received_at = absl::FromUnixSeconds(1'900'000'000);
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertReceipt(r); }), IsOk());
  EXPECT_THAT(s->CheckWritable(), IsOk());
  EXPECT_THAT(s->Read([](ReadTx& tx) { return tx.GetSubject("s1").status(); }), IsOk());
  s->Close();
}

TEST(PostgresStorageTest, ReplicasStartingAtOnceMigrateOnce) {
  const std::string location = Location("migrate-once");
  constexpr int kReplicas = 4;
  std::vector<absl::Status> opened(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<std::unique_ptr<Storage>> s = OpenPostgres(location);
      opened[i] = s.status();
      if (s.ok()) (*s)->Close();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : opened) EXPECT_THAT(s, IsOk());
  EXPECT_THAT(RawQuery(location, "SELECT COUNT(*) FROM schema_migrations"),
              ::testing::ElementsAre(absl::StrCat(storage::PostgresSchemaVersion())));
}

TEST(PostgresStorageTest, AnUnreachableServerIsUnavailable) {
  storage::PostgresOptions options;
  options.dsn = "host=/nonexistent port=1 connect_timeout=2";
  EXPECT_THAT(storage::OpenPostgresStorage(options),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::HasSubstr("PostgreSQL is unreachable")));
}

TEST(PostgresStorageTest, RefusesBadOptions) {
  storage::PostgresOptions options;
  EXPECT_THAT(storage::OpenPostgresStorage(options),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("dsn")));
  options.dsn = PostgresServerConninfo();
  options.pool_size = 0;
  EXPECT_THAT(storage::OpenPostgresStorage(options),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("pool_size")));
}

TEST(PostgresStorageTest, InfiniteTimesAndBytesRoundTrip) {
  ASSERT_OK_AND_ASSIGN(auto s, OpenPostgres(Location("infinite")));
  Consent c;
  c.consent_id = "con_1";
  c.subject_id = "s1";
  c.valid_from = absl::InfinitePast();
  c.valid_until = absl::InfiniteFuture();
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertSubject(MakeSubject("s1")));
    RETURN_IF_ERROR(tx.PutWrappedSubjectKey("s1", std::string("\0\xff\x00z", 4)));
    return tx.InsertConsentVersion(c);
  }), IsOk());
  ASSERT_THAT(s->Read([](ReadTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Consent got, tx.GetConsent("con_1"));
    EXPECT_EQ(got.valid_from, absl::InfinitePast());
    EXPECT_EQ(got.valid_until, absl::InfiniteFuture());
    EXPECT_THAT(tx.GetWrappedSubjectKey("s1"),
                ::testing::Eq(absl::StatusOr<std::string>(std::string("\0\xff\x00z", 4))));
    return absl::OkStatus();
  }), IsOk());
  s->Close();
}

}  // namespace
}  // namespace throughcare::testing
