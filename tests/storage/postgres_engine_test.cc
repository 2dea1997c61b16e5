// PostgreSQL's engine beyond the storage contract, with several "replicas" (storages) on one
// database, as the broker runs: claims that skip each other's rows, closures re-run after
// serialization failures, wake-ups through LISTEN/NOTIFY, the advisory-lock leader election, and
// connections re-established after the server dropped them. The SQLite engine has none of these
// (one writer, one process), which is why they are not contract tests.
#include <unistd.h>

#include <libpq-fe.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "services/core/in_process_notifier.h"
#include "services/storage/postgres_storage.h"
#include "tests/storage/conformance_values.h"
#include "tests/storage/postgres_test_server.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using namespace conformance_values;  // NOLINT: the suite's value builders

::testing::Environment* const kServer =
    ::testing::AddGlobalTestEnvironment(new PostgresServerEnvironment);

class PostgresEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string location = absl::StrCat(
        ::testing::TempDir(), "/tc-pg-engine-", getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_OK_AND_ASSIGN(dsn_, PostgresDatabaseFor(location));
  }

  // Another broker replica on the test's database.
  std::unique_ptr<Storage> Replica(Notifier* notifier = nullptr, int max_attempts = 10,
                                   int pool_size = 2,
                                   std::function<void(absl::Duration)> on_commit = nullptr) {
    storage::PostgresOptions options;
    options.dsn = dsn_;
    options.pool_size = pool_size;
    options.notifier = notifier;
    options.max_attempts = max_attempts;
    options.on_commit = std::move(on_commit);
    absl::StatusOr<std::unique_ptr<Storage>> s = storage::OpenPostgresStorage(options);
    EXPECT_THAT(s, IsOk());
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Runs `sql` on the test's database from a connection of its own.
  void Admin(const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn_.c_str());
    PGresult* result = PQexec(conn, sql.c_str());
    EXPECT_TRUE(PQresultStatus(result) == PGRES_TUPLES_OK ||
                PQresultStatus(result) == PGRES_COMMAND_OK)
        << sql << ": " << PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
  }

  // A message with `n` pending deliveries to `recipient`, leasable at kT0.
  void FillMailbox(Storage& s, const std::string& recipient, int n) {
    ASSERT_THAT(s.WriteAndWait([&](WriteTx& tx) -> absl::Status {
      for (int i = 0; i < n; ++i) {
        const std::string id = absl::StrCat("msg_", i);
        RETURN_IF_ERROR(tx.InsertMessage(MakeMessage(id)));
        Delivery d;
        d.message_id = id;
        d.recipient_agency = recipient;
        d.state = DeliveryState::kPending;
        d.available_at = kT0;
        d.expires_at = kT0 + absl::Hours(1);
        RETURN_IF_ERROR(tx.InsertDelivery(d).status());
      }
      return absl::OkStatus();
    }), IsOk());
  }

  std::string dsn_;
};

// Leases the first delivery ClaimLeasable gives, under `lease_id`; `leased` is its message id,
// or empty when the mailbox had nothing left to claim.
absl::Status LeaseOne(WriteTx& tx, const std::string& lease_id, std::string& leased) {
  leased.clear();
  ASSIGN_OR_RETURN(std::vector<Delivery> claimed, tx.ClaimLeasable("alpha", kT0, 0, 1));
  if (claimed.empty()) return absl::OkStatus();
  Delivery d = claimed[0];
  d.state = DeliveryState::kLeased;
  d.lease_id = lease_id;
  d.lease_expires_at = kT0 + absl::Minutes(5);
  RETURN_IF_ERROR(tx.UpdateDelivery(d));
  leased = d.message_id;
  return absl::OkStatus();
}

TEST_F(PostgresEngineTest, WritesQueuedBehindABusyWriterShareItsNextCommit) {
  std::unique_ptr<Storage> s = Replica(nullptr, 10, /*pool_size=*/1);
  ASSERT_TRUE(s);
  ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("first")); }),
              IsOk());
  const StorageStats before = s->Stats();
  // The first closure holds the one writer (closures must not block; this one does, to queue
  // the others behind it), so the others are committed together once it lets go.
  constexpr int kQueued = 8;
  absl::Notification holding, release;
  absl::BlockingCounter finished(1 + kQueued);
  std::vector<absl::Status> results(kQueued);
  s->Write(
      [&](WriteTx& tx) {
        holding.Notify();
        release.WaitForNotification();
        return tx.InsertSubject(MakeSubject("held"));
      },
      [&](absl::Status st) {
        EXPECT_THAT(st, IsOk());
        finished.DecrementCount();
      });
  holding.WaitForNotification();
  for (int i = 0; i < kQueued; ++i) {
    s->Write(
        [i](WriteTx& tx) -> absl::Status {
          RETURN_IF_ERROR(tx.InsertSubject(MakeSubject(absl::StrCat("s", i))));
          // A closure that fails is still part of the commit, and leaves nothing.
          if (i % 3 == 0) return absl::InvalidArgumentError("refused after writing");
          return absl::OkStatus();
        },
        [&, i](absl::Status st) {
          results[i] = std::move(st);
          finished.DecrementCount();
        });
  }
  release.Notify();
  finished.Wait();
  const StorageStats after = s->Stats();
  EXPECT_EQ(after.commits - before.commits, 2) << "the held write's commit, then one for all";
  EXPECT_EQ(after.transactions - before.transactions, 1 + kQueued);
  ASSERT_THAT(s->Read([&](ReadTx& tx) -> absl::Status {
    for (int i = 0; i < kQueued; ++i) {
      EXPECT_THAT(results[i], StatusIs(i % 3 == 0 ? absl::StatusCode::kInvalidArgument
                                                  : absl::StatusCode::kOk));
      EXPECT_EQ(tx.GetSubject(absl::StrCat("s", i)).ok(), i % 3 != 0) << "closure " << i;
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_F(PostgresEngineTest, CountsRecordsMessagesPerCommit) {
  std::unique_ptr<Storage> s = Replica();
  ASSERT_TRUE(s);
  ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertMessage(MakeMessage("msg_1")));
    return tx.InsertMessage(MakeMessage("msg_2"));
  }), IsOk());
  ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertMessage(MakeMessage("msg_3")));
    return absl::InternalError("undone");
  }), StatusIs(absl::StatusCode::kInternal));
  const StorageStats stats = s->Stats();
  EXPECT_EQ(stats.records_messages, 2);
  EXPECT_EQ(stats.records_message_commits, 1);
}

TEST_F(PostgresEngineTest, AClaimHeldByOneReplicaIsSkippedNotWaitedForByAnother) {
  std::unique_ptr<Storage> a = Replica();
  std::unique_ptr<Storage> b = Replica();
  ASSERT_TRUE(a && b);
  FillMailbox(*a, "alpha", 3);
  absl::Notification holding, release, finished;
  std::vector<std::string> held;
  a->Write(
      [&](WriteTx& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<Delivery> claimed, tx.ClaimLeasable("alpha", kT0, 0, 1));
        held.clear();
        for (const Delivery& d : claimed) held.push_back(d.message_id);
        holding.Notify();
        release.WaitForNotification();  // holds its claim (closures must not block; this one
        return absl::OkStatus();        // does, to keep its transaction open)
      },
      [&](absl::Status s) {
        EXPECT_THAT(s, IsOk());
        finished.Notify();
      });
  holding.WaitForNotification();
  std::vector<std::string> other;
  ASSERT_THAT(b->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Delivery> claimed, tx.ClaimLeasable("alpha", kT0, 0, 10));
    other.clear();
    for (const Delivery& d : claimed) other.push_back(d.message_id);
    return absl::OkStatus();
  }), IsOk());
  release.Notify();
  finished.WaitForNotification();
  EXPECT_THAT(held, ::testing::ElementsAre("msg_0"));
  EXPECT_THAT(other, ::testing::ElementsAre("msg_1", "msg_2"));
}

TEST_F(PostgresEngineTest, ReplicasLeasingAtOnceNeverLeaseOneDeliveryTwice) {
  constexpr int kDeliveries = 60;
  constexpr int kLeasers = 8;
  std::unique_ptr<Storage> a = Replica(nullptr, 100);
  std::unique_ptr<Storage> b = Replica(nullptr, 100);
  ASSERT_TRUE(a && b);
  FillMailbox(*a, "alpha", kDeliveries);
  absl::Mutex mu;
  std::multiset<std::string> leased;
  std::vector<std::thread> leasers;
  for (int i = 0; i < kLeasers; ++i) {
    leasers.emplace_back([&, i] {
      Storage& s = i % 2 == 0 ? *a : *b;
      for (int n = 0;; ++n) {
        std::string got;
        absl::Status st = s.WriteAndWait([&, n](WriteTx& tx) {
          return LeaseOne(tx, absl::StrCat("lease-", i, "-", n), got);
        });
        EXPECT_THAT(st, IsOk());
        if (!st.ok() || got.empty()) return;
        absl::MutexLock lock(&mu);
        leased.insert(got);
      }
    });
  }
  for (std::thread& t : leasers) t.join();
  EXPECT_EQ(leased.size(), static_cast<size_t>(kDeliveries));
  for (const std::string& id : leased) EXPECT_EQ(leased.count(id), 1u) << id << " leased twice";
}

TEST_F(PostgresEngineTest, ConflictingClosuresAreRunAgainNotFailed) {
  // Every closure reads the consent's latest version and adds the next: concurrent runs
  // conflict, and PostgreSQL fails all but one of each set with a serialization failure; the
  // engine runs those again from a fresh snapshot. What a run registered with AfterCommit runs
  // only if that run committed: once per closure, before its done.
  constexpr int kWriters = 24;
  std::atomic<int> runs{0};
  std::atomic<int> after_commits{0};
  std::vector<std::atomic<int>> ran_for(kWriters);
  std::unique_ptr<Storage> a = Replica(nullptr, 100);
  std::unique_ptr<Storage> b = Replica(nullptr, 100);
  ASSERT_TRUE(a && b);
  ASSERT_THAT(a->WriteAndWait([](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertSubject(MakeSubject("s1")));
    return tx.InsertConsentVersion(MakeConsent("con_1", 1, "s1"));
  }), IsOk());
  absl::BlockingCounter finished(kWriters);
  std::vector<absl::Status> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    (i % 2 == 0 ? a : b)->Write(
        [&, i](WriteTx& tx) -> absl::Status {
          runs.fetch_add(1);
          tx.AfterCommit([&, i] {
            after_commits.fetch_add(1);
            ran_for[i].fetch_add(1);
          });
          ASSIGN_OR_RETURN(Consent latest, tx.GetConsent("con_1"));
          return tx.InsertConsentVersion(MakeConsent("con_1", latest.version + 1, "s1"));
        },
        [&, i](absl::Status s) {
          results[i] = std::move(s);
          if (ran_for[i].load() != 1) {
            results[i] = absl::InternalError(absl::StrCat(
                "closure ", i, "'s after-commit ran ", ran_for[i].load(), " times before done"));
          }
          finished.DecrementCount();
        });
  }
  finished.Wait();
  for (const absl::Status& s : results) EXPECT_THAT(s, IsOk());
  EXPECT_EQ(after_commits.load(), kWriters) << "over " << runs.load() << " runs";
  ASSERT_THAT(a->Read([](ReadTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Consent> history, tx.ConsentHistory("con_1"));
    EXPECT_EQ(history.size(), static_cast<size_t>(kWriters + 1));
    for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ(history[i].version, int64_t(i + 1));
    return absl::OkStatus();
  }), IsOk());
}

TEST_F(PostgresEngineTest, EachCommitReportsItsDuration) {
  absl::Mutex mu;
  std::vector<absl::Duration> durations;
  std::unique_ptr<Storage> s = Replica(nullptr, 10, 2, [&](absl::Duration d) {
    absl::MutexLock lock(&mu);
    durations.push_back(d);
  });
  ASSERT_TRUE(s);
  ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              IsOk());
  ASSERT_THAT(s->CheckWritable(), IsOk());
  EXPECT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              StatusIs(absl::StatusCode::kAlreadyExists));  // a failed closure still commits
  const int64_t commits = s->Stats().commits;
  s->Close();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(static_cast<int64_t>(durations.size()), commits);
  for (absl::Duration d : durations) EXPECT_GT(d, absl::ZeroDuration());
}

TEST_F(PostgresEngineTest, AFullDiskIsStorageFullUntilThereIsSpace) {
  std::unique_ptr<Storage> s = Replica();
  ASSERT_TRUE(s);
  // The server's own disk is not filled: triggers raise what PostgreSQL raises then (53100).
  Admin("CREATE FUNCTION tc_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'could not extend file: No space left on device' "
        "USING ERRCODE = 'disk_full'; END $$; "
        "CREATE TRIGGER full_receipts BEFORE INSERT ON receipts "
        "FOR EACH ROW EXECUTE FUNCTION tc_disk_full(); "
        "CREATE TRIGGER full_heartbeat BEFORE UPDATE ON heartbeat "
        "FOR EACH ROW EXECUTE FUNCTION tc_disk_full()");
  Receipt r;
  r.agency_id = "hmp-northgate";
  r.key = "hmpps:evt-1";
  r.request_id = "req-1";
  r.received_at = absl::FromUnixSeconds(1'900'000'000);
  absl::Status full = s->WriteAndWait([&](WriteTx& tx) { return tx.InsertReceipt(r); });
  EXPECT_THAT(full, StatusIs(absl::StatusCode::kResourceExhausted,
                             ::testing::StartsWith(std::string(kStorageFull))));
  EXPECT_TRUE(IsStorageFull(full)) << full;
  absl::Status check = s->CheckWritable();
  EXPECT_TRUE(IsStorageFull(check)) << check;
  Admin("DROP TRIGGER full_receipts ON receipts; DROP TRIGGER full_heartbeat ON heartbeat");
  EXPECT_THAT(s->CheckWritable(), IsOk());
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertReceipt(r); }), IsOk());
  s->Close();
}

TEST_F(PostgresEngineTest, AWakeUpReachesTheListenersOfAnotherReplica) {
  InProcessNotifier notifier_a, notifier_b;
  std::unique_ptr<Storage> a = Replica(&notifier_a);
  std::unique_ptr<Storage> b = Replica(&notifier_b);
  ASSERT_TRUE(a && b);
  absl::Notification woken_a, woken_b;
  Notifier::Handle ha = notifier_a.Listen("mailbox:alpha", [&] { woken_a.Notify(); });
  Notifier::Handle hb = notifier_b.Listen("mailbox:alpha", [&] { woken_b.Notify(); });
  const absl::Time sent = absl::Now();
  ASSERT_THAT(a->WriteAndWait([](WriteTx& tx) {
    tx.Notify("mailbox:alpha");
    return absl::OkStatus();
  }), IsOk());
  EXPECT_TRUE(woken_b.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_LT(absl::Now() - sent, absl::Seconds(1)) << "a wake-up should take milliseconds";
  EXPECT_TRUE(woken_a.WaitForNotificationWithTimeout(absl::Seconds(5))) << "and the writer's own";
  notifier_a.Unlisten(ha);
  notifier_b.Unlisten(hb);
  a->Close();
  b->Close();
}

TEST_F(PostgresEngineTest, OneReplicaLeadsAndAnotherTakesOverWhenItGoes) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LeaderElection> first,
                       storage::OpenPostgresLeaderElection(dsn_));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LeaderElection> second,
                       storage::OpenPostgresLeaderElection(dsn_));
  EXPECT_TRUE(first->IsLeader());
  EXPECT_TRUE(first->IsLeader()) << "stays the leader";
  EXPECT_FALSE(second->IsLeader());
  first.reset();  // the replica dies: its session ends and PostgreSQL releases the lock
  bool took_over = false;
  for (int i = 0; i < 50 && !took_over; ++i) {
    took_over = second->IsLeader();
    if (!took_over) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(took_over);
}

TEST_F(PostgresEngineTest, ConnectionsTheServerDroppedAreReestablished) {
  std::unique_ptr<Storage> s = Replica();
  ASSERT_TRUE(s);
  ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              IsOk());
  ASSERT_THAT(s->Read([](ReadTx& tx) { return tx.GetSubject("s1").status(); }), IsOk());
  // What a server restart or a failover does to every open connection.
  Admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  EXPECT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s2")); }),
              IsOk());
  EXPECT_THAT(s->Read([](ReadTx& tx) { return tx.GetSubject("s2").status(); }), IsOk());
  s->Close();
}

// An outage of the database itself, on a server of the test's own: calls fail with UNAVAILABLE
// naming the cause while it is down, and succeed again once it is back, with nothing restarted.
TEST(PostgresOutageTest, CallsAreUnavailableWhileTheServerIsDownAndRecoverAfter) {
  char state[] = "/tmp/tc-pg-outage-XXXXXX";
  ASSERT_NE(mkdtemp(state), nullptr);
  ASSERT_THAT(PostgresServerScript("start", state), IsOk());
  ASSERT_OK_AND_ASSIGN(std::string conninfo, PostgresConninfoIn(state));
  storage::PostgresOptions options;
  options.dsn = conninfo + " dbname=postgres";
  options.pool_size = 1;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> s, storage::OpenPostgresStorage(options));
  ASSERT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              IsOk());

  ASSERT_THAT(PostgresServerScript("down", state), IsOk());
  EXPECT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s2")); }),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::HasSubstr("PostgreSQL")));
  EXPECT_THAT(s->Read([](ReadTx& tx) { return tx.GetSubject("s1").status(); }),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::HasSubstr("PostgreSQL")));

  ASSERT_THAT(PostgresServerScript("up", state), IsOk());
  EXPECT_THAT(s->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s2")); }),
              IsOk());
  EXPECT_THAT(s->Read([](ReadTx& tx) { return tx.GetSubject("s1").status(); }), IsOk());
  s->Close();
  EXPECT_THAT(PostgresServerScript("stop", state), IsOk());
  std::filesystem::remove_all(state);
}

}  // namespace
}  // namespace throughcare::testing
