// The SQLite engine: the write queue, the writer thread that commits batches of closures
// (group commit) and publishes their notifications, the completion thread that answers them,
// and the pool of read connections.
#include "services/storage/sqlite_storage.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/storage/internal/sqlite_schema.h"
#include "services/storage/internal/sqlite_statement.h"
#include "services/storage/internal/sqlite_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage {
namespace {

using sqlite_internal::Connection;
using sqlite_internal::SqliteTx;

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_conn_(std::move(writer)) {
    writer_thread_ = std::thread([this] { WriterLoop(); });
    completion_thread_ = std::thread([this] { CompletionLoop(); });
  }
  ~SqliteStorage() override { Close(); }

  void Write(WriteFn fn, DoneFn done) override {
    absl::Status refused;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) {
        refused = absl::UnavailableError("storage is closed");
      } else if (static_cast<int>(queue_.size()) >= options_.max_queue) {
        refused = absl::ResourceExhaustedError(absl::StrCat(
            "storage write queue is full (", options_.max_queue, " waiting); retry later"));
      } else {
        queue_.push_back(Pending{std::move(fn), std::move(done)});
        return;
      }
    }
    done(std::move(refused));
  }

  absl::Status Read(ReadFn fn) override {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, BorrowReader());
    absl::Status status = conn->ExecCached("BEGIN");
    if (status.ok()) {
      SqliteTx tx(conn.get());
      status = fn(tx);
      conn->ExecCached("COMMIT").IgnoreError();  // read-only: nothing to lose
    }
    ReturnReader(std::move(conn));
    return status;
  }

  void Close() override {
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      closing_ = true;
    }
    writer_thread_.join();  // commits what was queued and hands over its completions
    {
      absl::MutexLock lock(&completions_mu_);
      completions_closing_ = true;
    }
    completion_thread_.join();  // calls them
  }

  StorageStats Stats() const override {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

  absl::Status CheckWritable() override {
    // Only this engine makes the transactions its closures get.
    return WriteAndWait([](WriteTx& tx) { return static_cast<SqliteTx&>(tx).Heartbeat(); });
  }

 private:
  struct Pending {
    WriteFn fn;
    DoneFn done;
  };
  struct Completion {
    DoneFn done;
    absl::Status status;
  };
  using AfterCommitFns = std::vector<absl::AnyInvocable<void()>>;

  // Calls `done` callbacks off the writer thread, so a slow reply (logging, finishing a gRPC
  // call) never delays the next commit. (They happen to run in commit order; the contract does
  // not promise it, and the domain does not rely on it.)
  void CompletionLoop() {
    while (true) {
      std::deque<Completion> ready;
      {
        absl::MutexLock lock(&completions_mu_);
        completions_mu_.Await(absl::Condition(
            +[](SqliteStorage* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->completions_mu_) {
              return self->completions_closing_ || !self->completions_.empty();
            },
            this));
        if (completions_.empty()) return;  // closing and drained
        ready.swap(completions_);
      }
      for (Completion& c : ready) c.done(std::move(c.status));
    }
  }

  void WriterLoop() {
    while (true) {
      std::vector<Pending> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](SqliteStorage* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->closing_ || !self->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // closing and drained
        while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      CommitBatch(batch);
    }
  }

  void CommitBatch(std::vector<Pending>& batch) {
    std::vector<absl::Status> results(batch.size());
    AfterCommitFns after_commit;
    Connection& conn = *writer_conn_;
    std::vector<std::string> notifications;
    int64_t records_messages = 0;
    const absl::Time started = absl::Now();
    absl::Status commit = conn.Exec("BEGIN IMMEDIATE");
    if (commit.ok()) {
      SqliteTx tx(&conn);
      for (size_t i = 0; i < batch.size() && commit.ok(); ++i) {
        // A savepoint per closure: one that fails leaves nothing, notifications included. The
        // single writer never conflicts with itself, so closures run once here.
        results[i] = tx.Atomically([&](WriteTx& t) { return batch[i].fn(t); });
        // Some errors (disk full, I/O, out of memory) make SQLite roll the whole transaction
        // back by itself. Running more closures would then commit each on its own, so the batch
        // fails as a whole instead.
        if (sqlite3_get_autocommit(conn.db()) != 0) {
          commit = absl::Status(
              IsStorageFull(results[i]) ? absl::StatusCode::kResourceExhausted
                                        : absl::StatusCode::kUnavailable,
              absl::StrCat("storage transaction was rolled back by the database: ",
                           results[i].message()));
        }
      }
      after_commit = tx.TakeAfterCommit();
      if (commit.ok() && options_.unsafe_reply_before_commit) {
        Complete(batch, results, commit, after_commit);
        absl::SleepFor(absl::Milliseconds(100));
      }
      if (commit.ok()) commit = conn.Exec("COMMIT");
      if (!commit.ok() && sqlite3_get_autocommit(conn.db()) == 0) {
        conn.Exec("ROLLBACK").IgnoreError();
      }
      notifications = tx.TakeNotifications();
      records_messages = tx.TakeRecordsMessages();
    }
    {
      absl::MutexLock lock(&mu_);
      stats_.commits += 1;
      stats_.transactions += static_cast<int64_t>(batch.size());
      if (commit.ok() && records_messages > 0) {
        stats_.records_messages += records_messages;
        stats_.records_message_commits += 1;
      }
    }
    if (options_.on_commit && commit.ok()) options_.on_commit(absl::Now() - started);
    if (commit.ok()) Publish(std::move(notifications));
    if (!options_.unsafe_reply_before_commit) Complete(batch, results, commit, after_commit);
  }

  // Wakes the listeners of what the commit notified, each channel once.
  void Publish(std::vector<std::string> channels) {
    if (options_.notifier == nullptr || channels.empty()) return;
    std::sort(channels.begin(), channels.end());
    channels.erase(std::unique(channels.begin(), channels.end()), channels.end());
    for (const std::string& channel : channels) options_.notifier->Notify(channel);
  }

  // Hands what runs after a durable commit, then each closure's result (or the commit's
  // failure), to the completion thread.
  void Complete(std::vector<Pending>& batch, std::vector<absl::Status>& results,
                const absl::Status& commit, AfterCommitFns& after_commit) {
    absl::MutexLock lock(&completions_mu_);
    if (commit.ok() && !after_commit.empty()) {
      completions_.push_back(Completion{
          [fns = std::move(after_commit)](absl::Status) mutable {
            for (auto& fn : fns) fn();
          },
          absl::OkStatus()});
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      completions_.push_back(
          Completion{std::move(batch[i].done), commit.ok() ? std::move(results[i]) : commit});
    }
  }

  absl::StatusOr<std::unique_ptr<Connection>> BorrowReader() {
    {
      absl::MutexLock lock(&readers_mu_);
      if (!readers_.empty()) {
        auto conn = std::move(readers_.back());
        readers_.pop_back();
        return conn;
      }
    }
    return Connection::Open(options_.path, /*create=*/false);
  }
  void ReturnReader(std::unique_ptr<Connection> conn) {
    absl::MutexLock lock(&readers_mu_);
    if (readers_.size() < 8) readers_.push_back(std::move(conn));
  }

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_conn_;  // used only by the writer thread
  std::thread writer_thread_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  StorageStats stats_ ABSL_GUARDED_BY(mu_);

  std::thread completion_thread_;
  absl::Mutex completions_mu_;
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completions_mu_);
  bool completions_closing_ ABSL_GUARDED_BY(completions_mu_) = false;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace

namespace {

// The status with the database file named first, unless OK or named already.
absl::Status NamingFile(const std::string& path, absl::Status status) {
  if (status.ok() || absl::StrContains(status.message(), path)) return status;
  if (absl::IsDataLoss(status)) {
    // Damage found before quick_check could run (the schema's own pages).
    return absl::DataLossError(absl::StrCat("storage ", path, " is corrupt (", status.message(),
                                            "); restore it from a backup"));
  }
  return absl::Status(status.code(), absl::StrCat("storage ", path, ": ", status.message()));
}

// PRAGMA quick_check: the b-trees' structure, without comparing indexes to their tables (which
// integrity_check adds, and which takes much longer on a large file). DataLoss naming the file
// and the first problems found.
absl::Status QuickCheck(Connection& conn, const std::string& path) {
  constexpr int kProblemsShown = 5;
  ASSIGN_OR_RETURN(auto s, conn.Prepare("PRAGMA quick_check(5)"));
  std::vector<std::string> problems;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (std::string line = s->Text(0); line != "ok") problems.push_back(std::move(line));
  }
  if (problems.empty()) return absl::OkStatus();
  if (static_cast<int>(problems.size()) > kProblemsShown) problems.resize(kProblemsShown);
  return absl::DataLossError(absl::StrCat(
      "storage ", path, " is corrupt (PRAGMA quick_check: ", absl::StrJoin(problems, "; "),
      "); restore it from a backup"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Storage>> OpenSqliteStorage(const SqliteOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("storage path is empty");
  absl::StatusOr<std::unique_ptr<Connection>> writer =
      Connection::Open(options.path, /*create=*/true);
  if (!writer.ok()) return NamingFile(options.path, writer.status());
  RETURN_IF_ERROR(NamingFile(options.path, QuickCheck(**writer, options.path)));
  RETURN_IF_ERROR(NamingFile(options.path, sqlite_internal::Migrate(**writer)));
  return std::unique_ptr<Storage>(new SqliteStorage(options, *std::move(writer)));
}

}  // namespace throughcare::storage
