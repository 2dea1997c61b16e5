// The PostgreSQL engine: the write queue, the writer threads that commit batches of closures
// (re-running them after serialization failures, deadlocks and lost connections), the
// publication of their wake-ups, and the pool of read connections.
#include "services/storage/postgres_storage.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "services/storage/internal/postgres_connection.h"
#include "services/storage/internal/postgres_listener.h"
#include "services/storage/internal/postgres_schema.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage {
namespace {

using pg_internal::Connection;
using pg_internal::PgTx;

struct Pending {
  WriteFn fn;
  DoneFn done;
};

// How one run of a transaction ended.
struct Attempt {
  absl::Status status;  // the commit's; OK if committed
  bool retry = false;   // a conflict or a connection lost before COMMIT: nothing was committed
};

// The pause before run `run` + 1 of a closure that conflicted: doubling from 1 ms up to 64 ms,
// times a random factor in [0.5, 1.5), so that writers that conflicted do not meet again.
absl::Duration Backoff(int run) {
  thread_local std::minstd_rand random(
      static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id())));
  const double base_ms = static_cast<double>(1 << std::min(run - 1, 6));
  return absl::Milliseconds(base_ms * (0.5 + static_cast<double>(random() % 1000) / 1000.0));
}

std::vector<std::string> Distinct(std::vector<std::string> channels) {
  std::sort(channels.begin(), channels.end());
  channels.erase(std::unique(channels.begin(), channels.end()), channels.end());
  return channels;
}

class PostgresStorage final : public Storage {
 public:
  PostgresStorage(PostgresOptions options, std::vector<std::unique_ptr<Connection>> writers,
                  std::unique_ptr<pg_internal::Listener> listener)
      : options_(std::move(options)),
        writer_conns_(std::move(writers)),
        listener_(std::move(listener)) {
    for (size_t i = 0; i < writer_conns_.size(); ++i) {
      writer_threads_.emplace_back([this, i] { WriterLoop(writer_conns_[i]); });
    }
  }
  ~PostgresStorage() override { Close(); }

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
    absl::Status status = conn->Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!status.ok() && !conn->healthy()) {
      // A pooled connection the server dropped (a restart, a failover): nothing ran yet, so
      // try once more on a new one.
      ASSIGN_OR_RETURN(conn, Connection::Open(options_.dsn));
      status = conn->Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }
    if (status.ok()) {
      PgTx tx(conn.get());
      status = fn(tx);
      conn->Run(status.ok() ? "COMMIT" : "ROLLBACK").IgnoreError();  // read-only
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
    for (std::thread& t : writer_threads_) t.join();  // they commit what was queued first
    listener_.reset();
  }

  StorageStats Stats() const override {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

  absl::Status CheckWritable() override {
    // Only this engine makes the transactions its closures get.
    return WriteAndWait([](WriteTx& tx) { return static_cast<PgTx&>(tx).Heartbeat(); });
  }

 private:
  void WriterLoop(std::unique_ptr<Connection>& conn) {
    while (true) {
      std::vector<Pending> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](PostgresStorage* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->closing_ || !self->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // closing and drained
        while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      RunBatch(conn, batch);
    }
  }

  // Commits the batch in one transaction. After a conflict, each closure is run again in a
  // transaction of its own, so that one conflicting closure does not make the others wait.
  void RunBatch(std::unique_ptr<Connection>& conn, std::vector<Pending>& batch) {
    std::vector<absl::Status> results(batch.size());
    Attempt first = RunOnce(conn, absl::MakeSpan(batch), absl::MakeSpan(results));
    if (!first.retry) {
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i].done(first.status.ok() ? std::move(results[i]) : first.status);
      }
      return;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::Status commit = RunWithRetries(conn, absl::MakeSpan(&batch[i], 1),
                                           absl::MakeSpan(&results[i], 1));
      batch[i].done(commit.ok() ? std::move(results[i]) : commit);
    }
  }

  // Runs one closure until it commits, fails, or has been run max_attempts times.
  absl::Status RunWithRetries(std::unique_ptr<Connection>& conn, absl::Span<Pending> items,
                              absl::Span<absl::Status> results) {
    Attempt attempt;
    for (int run = 1; run <= options_.max_attempts; ++run) {
      attempt = RunOnce(conn, items, results);
      if (!attempt.retry) return attempt.status;
      absl::SleepFor(Backoff(run));
    }
    return absl::AbortedError(absl::StrCat(
        "storage write gave up after ", options_.max_attempts,
        " runs that conflicted with concurrent writes; retry: ", attempt.status.message()));
  }

  // One SERIALIZABLE transaction holding `items`, a savepoint each; fills `results`. Once it
  // has committed, runs what its closures registered with AfterCommit (a run that does not
  // commit drops them with its PgTx).
  Attempt RunOnce(std::unique_ptr<Connection>& conn, absl::Span<Pending> items,
                  absl::Span<absl::Status> results) {
    if (absl::Status up = EnsureConnected(conn); !up.ok()) return Attempt{up, false};
    conn->ClearConflict();
    const absl::Time started = absl::Now();
    absl::Status begin = conn->Run("BEGIN ISOLATION LEVEL SERIALIZABLE");
    if (!begin.ok()) return Attempt{begin, !conn->healthy()};
    PgTx tx(conn.get());
    for (size_t i = 0; i < items.size(); ++i) {
      results[i] = tx.Atomically([&](WriteTx& t) { return items[i].fn(t); });
      if (conn->conflict() || !conn->healthy()) return Abandon(*conn, results[i]);
    }
    std::vector<std::string> channels = Distinct(tx.TakeNotifications());
    if (options_.listen_notify) {
      absl::Status published = pg_internal::PublishInTransaction(*conn, channels);
      if (!published.ok()) return Abandon(*conn, published);
    }
    absl::Status commit = conn->Run("COMMIT");
    if (!commit.ok()) {
      if (conn->conflict()) return Attempt{commit, true};  // 40001 at commit: rolled back
      if (!conn->healthy()) {
        commit = absl::UnavailableError(absl::StrCat(
            "the connection to PostgreSQL was lost while committing; the write may or may not "
            "have been committed: ", commit.message()));
      }
      return Attempt{commit, false};
    }
    if (options_.on_commit) options_.on_commit(absl::Now() - started);
    Count(items.size(), tx.TakeRecordsMessages());
    if (tx.TakeErased()) scrub_pending_ = true;
    if (scrub_pending_) Scrub(*conn);
    for (absl::AnyInvocable<void()>& fn : tx.TakeAfterCommit()) fn();
    if (!options_.listen_notify && options_.notifier != nullptr) {
      for (const std::string& channel : channels) options_.notifier->Notify(channel);
    }
    return Attempt{absl::OkStatus(), false};
  }

  // An erasure deletes keys and identifiers, and PostgreSQL keeps a deleted row's bytes in the
  // table's file until the space is reused (VACUUM frees it but need not overwrite it). Once an
  // erasure commits, before it is answered, the tables that hold them are rewritten (VACUUM
  // FULL: new files, the old ones removed), so that no file of the database holds an erased
  // key. The rewrite locks those tables for as long as it takes; erasures are rare. When it
  // cannot run (another transaction holds the tables for 5 s), it runs again after each later
  // commit until it has. PostgreSQL's WAL, its archives and backups keep erased rows until they
  // are recycled or expire (README, "When one machine is not enough").
  void Scrub(Connection& conn) {
    if (conn.Run("SET lock_timeout = '5s'").ok() &&
        conn.Run("VACUUM (FULL) record_keys, subject_keys, subject_identifiers").ok()) {
      scrub_pending_ = false;
    }
    conn.Run("RESET lock_timeout").IgnoreError();
  }

  // Rolls back a transaction that cannot commit. A conflict or a lost connection means nothing
  // was committed and the closures may be run again; anything else fails the transaction.
  Attempt Abandon(Connection& conn, const absl::Status& why) {
    const bool retry = conn.conflict() || !conn.healthy();
    if (conn.healthy()) conn.Run("ROLLBACK").IgnoreError();
    return Attempt{why.ok() ? absl::AbortedError("transaction abandoned") : why, retry};
  }

  absl::Status EnsureConnected(std::unique_ptr<Connection>& conn) {
    if (conn != nullptr && conn->healthy()) return absl::OkStatus();
    ASSIGN_OR_RETURN(conn, Connection::Open(options_.dsn));
    return absl::OkStatus();
  }

  void Count(size_t transactions, int64_t records_messages) {
    absl::MutexLock lock(&mu_);
    stats_.commits += 1;
    stats_.transactions += static_cast<int64_t>(transactions);
    if (records_messages > 0) {
      stats_.records_messages += records_messages;
      stats_.records_message_commits += 1;
    }
  }

  absl::StatusOr<std::unique_ptr<Connection>> BorrowReader() {
    {
      absl::MutexLock lock(&readers_mu_);
      if (!readers_.empty()) {
        auto conn = std::move(readers_.back());
        readers_.pop_back();
        if (conn->healthy()) return conn;
      }
    }
    return Connection::Open(options_.dsn);
  }
  void ReturnReader(std::unique_ptr<Connection> conn) {
    if (!conn->healthy()) return;
    absl::MutexLock lock(&readers_mu_);
    if (static_cast<int>(readers_.size()) < options_.pool_size) {
      readers_.push_back(std::move(conn));
    }
  }

  const PostgresOptions options_;
  // One per writer thread, used only by it (replaced by it after a lost connection).
  std::vector<std::unique_ptr<Connection>> writer_conns_;
  std::vector<std::thread> writer_threads_;
  std::unique_ptr<pg_internal::Listener> listener_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  StorageStats stats_ ABSL_GUARDED_BY(mu_);
  // Set by a committed erasure until a scrub has run (any writer thread runs it).
  std::atomic<bool> scrub_pending_{false};

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_ ABSL_GUARDED_BY(readers_mu_);
};

absl::Status CheckOptions(const PostgresOptions& options) {
  RETURN_IF_ERROR(CheckPostgresDsn(options.dsn));
  if (options.pool_size < 1 || options.pool_size > 64) {
    return absl::InvalidArgumentError("postgres pool_size must be between 1 and 64");
  }
  if (options.max_batch < 1 || options.max_queue < 1 || options.max_attempts < 1) {
    return absl::InvalidArgumentError("postgres max_batch, max_queue and max_attempts must be "
                                      "at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckPostgresDsn(const std::string& dsn) {
  if (dsn.empty()) return absl::InvalidArgumentError("postgres dsn is empty");
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &error);
  if (parsed != nullptr) {
    PQconninfoFree(parsed);
    return absl::OkStatus();
  }
  std::string why = error != nullptr ? error : "out of memory";
  PQfreemem(error);
  return absl::InvalidArgumentError(absl::StrCat(
      "postgres dsn is not a libpq connection string: ", absl::StripTrailingAsciiWhitespace(why)));
}

absl::StatusOr<std::unique_ptr<Storage>> OpenPostgresStorage(const PostgresOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  std::vector<std::unique_ptr<Connection>> writers;
  for (int i = 0; i < options.pool_size; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(options.dsn));
    writers.push_back(std::move(conn));
  }
  RETURN_IF_ERROR(pg_internal::Migrate(*writers[0]));
  std::unique_ptr<pg_internal::Listener> listener;
  if (options.listen_notify && options.notifier != nullptr) {
    ASSIGN_OR_RETURN(listener, pg_internal::Listener::Start(options.dsn, options.notifier));
  }
  return std::unique_ptr<Storage>(
      new PostgresStorage(options, std::move(writers), std::move(listener)));
}

}  // namespace throughcare::storage
