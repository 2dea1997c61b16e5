// SQLite implementation of the storage interface: the embedded default.
//
// One database file in WAL mode with synchronous=FULL, so a commit is on disk when it returns.
// One writer thread drains the write queue in batches: each batch is one SQLite transaction with
// a savepoint per closure, so many concurrent writes share one fsync (group commit). A
// completion thread then answers each write's caller, so replies never hold up the next commit.
// With one writer, closures never conflict and run exactly once; claims are plain reads.
// Reads use a small pool of separate connections and see the last committed state.
#ifndef THROUGHCARE_SERVICES_STORAGE_SQLITE_STORAGE_H_
#define THROUGHCARE_SERVICES_STORAGE_SQLITE_STORAGE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "throughcare/notifier.h"
#include "throughcare/storage.h"

namespace throughcare::storage {

struct SqliteOptions {
  std::string path;          // database file; created with the schema if absent
  int max_batch = 256;       // most closures in one commit
  int max_queue = 10000;     // most closures waiting; beyond, writes get RESOURCE_EXHAUSTED
  // Where WriteTx::Notify publishes after a commit; may be null (nothing is published). Not
  // owned; must outlive the storage.
  Notifier* notifier = nullptr;
  // Testing only, never for real data: answer each write *before* its commit and commit 100 ms
  // later, so that a crash loses writes that were acknowledged. It exists so that the crash
  // harness (tests/crash/) can show that it detects such loss.
  bool unsafe_reply_before_commit = false;
  // Called on the writer thread after each durable commit with the time it took (from BEGIN to
  // the end of COMMIT, fsync included), e.g. for a latency histogram. Must be quick.
  std::function<void(absl::Duration)> on_commit;
};

// Opens (creating or migrating) the database, checks its structure (PRAGMA quick_check, which
// reads the whole file) and starts the writer thread. Errors name the file: DataLoss if it is
// corrupt or not a database; FailedPrecondition if its schema is newer than this binary knows;
// Unavailable if it cannot be opened.
absl::StatusOr<std::unique_ptr<Storage>> OpenSqliteStorage(const SqliteOptions& options);

// The schema version this binary creates and migrates to.
int SqliteSchemaVersion();

}  // namespace throughcare::storage

#endif  // THROUGHCARE_SERVICES_STORAGE_SQLITE_STORAGE_H_
