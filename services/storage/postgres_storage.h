// PostgreSQL implementation of the storage interface: the backend for several broker replicas
// sharing one database.
//
// After-commit functions (WriteTx::AfterCommit) run on the writer thread once the commit is
// durable, before the `done` of the closures it held; a transaction that is re-run drops them
// with the rest of its run. A full disk (SQLSTATE 53100) is ResourceExhausted with the words of
// kStorageFull; CheckWritable writes a row nothing reads.
//
// Writes: `pool_size` writer threads, each with a connection of its own, take closures from one
// queue in batches. A batch is one SERIALIZABLE transaction with a savepoint per closure, so
// concurrent writes share a commit as on SQLite. Serializable because the contract promises
// that a write transaction runs "as if it ran alone": closures read, decide and write (a
// version's predecessor, a quota, an idempotency key), and only SERIALIZABLE rules out write
// skew between two replicas doing that at once. The price is serialization failures (40001)
// and deadlocks (40P01): the batch is rolled back and each of its closures re-run in a
// transaction of its own, again on a conflict, up to max_attempts runs (closures are re-runnable
// by contract). Commits run with synchronous_commit on: `done` is called once the commit is
// durable. Claims (WriteTx::ClaimLeasable) are SELECT ... FOR UPDATE SKIP LOCKED.
//
// Reads: REPEATABLE READ READ ONLY transactions (one snapshot of committed state, never a
// serialization failure, never waiting) on pooled connections: up to `pool_size` are kept;
// reads beyond that many at once open a connection each, closed afterwards.
//
// Wake-ups: with listen_notify (the default), WriteTx::Notify becomes pg_notify in the writing
// transaction, published by PostgreSQL when and only when it commits, and a listener connection
// (LISTEN) hands each notification, from any replica, to the Notifier; otherwise they are handed
// to the Notifier in-process after the commit, reaching this process only.
//
// If PostgreSQL is unreachable, opening fails and calls fail with Unavailable naming the cause;
// connections are re-established by the next call once it is back.
#ifndef THROUGHCARE_SERVICES_STORAGE_POSTGRES_STORAGE_H_
#define THROUGHCARE_SERVICES_STORAGE_POSTGRES_STORAGE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "throughcare/notifier.h"
#include "throughcare/periodic.h"
#include "throughcare/storage.h"

namespace throughcare::storage {

struct PostgresOptions {
  // A libpq connection string or URI, e.g. "host=/run/postgresql dbname=throughcare" or
  // "postgresql://broker@db.internal/throughcare?sslmode=verify-full".
  std::string dsn;
  int pool_size = 4;       // writer connections (one thread each); as many kept for reads
  int max_batch = 64;      // most closures in one transaction
  int max_queue = 10000;   // most closures waiting; beyond, writes get RESOURCE_EXHAUSTED
  int max_attempts = 30;   // runs of a closure after serialization failures or deadlocks
  // Where WriteTx::Notify publishes; may be null (nothing is published). Not owned; must
  // outlive the storage.
  Notifier* notifier = nullptr;
  // Publish through LISTEN/NOTIFY (every replica's notifier hears every commit) rather than
  // in-process only. Off behind a connection pooler in transaction mode, which breaks LISTEN.
  bool listen_notify = true;
  // Called on a writer thread after each durable commit with the time it took (from BEGIN to
  // the end of COMMIT, the server's WAL flush included), e.g. for a latency histogram. Writer
  // threads call it concurrently: it must be thread-safe and quick.
  std::function<void(absl::Duration)> on_commit;
};

// InvalidArgument, with libpq's reason, if `dsn` is not a connection string or URI libpq can
// parse (checked without connecting, so that the config reader can name the line).
absl::Status CheckPostgresDsn(const std::string& dsn);

// Connects, migrates the schema (once, under an advisory lock) and starts the writers.
// InvalidArgument for a bad option; Unavailable if PostgreSQL cannot be reached;
// FailedPrecondition if the database's schema is newer than this binary knows.
absl::StatusOr<std::unique_ptr<Storage>> OpenPostgresStorage(const PostgresOptions& options);

// The schema version this binary creates and migrates to.
int PostgresSchemaVersion();

// Leader election by a session advisory lock held on a connection of its own: the replica that
// holds it is the leader until that connection ends (the replica dies or loses the database),
// when PostgreSQL releases the lock and another replica takes it at its next IsLeader call.
// IsLeader runs one short query: the leader checks that its session lives, the others try the
// lock (pg_try_advisory_lock, which never waits), reconnecting first if the connection was
// lost. Across a network partition that query waits as long as the DSN's keepalive and
// timeout settings let it. For a moment two replicas may both believe they lead (the old one
// until its next check): periodic tasks are safe to run twice (throughcare/periodic.h) and
// their writes are serializable. Unavailable if PostgreSQL cannot be reached at the start.
absl::StatusOr<std::unique_ptr<LeaderElection>> OpenPostgresLeaderElection(
    const std::string& dsn);

}  // namespace throughcare::storage

#endif  // THROUGHCARE_SERVICES_STORAGE_POSTGRES_STORAGE_H_
