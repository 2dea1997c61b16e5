// Leader election by a session advisory lock on a connection of its own.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/storage/internal/postgres_connection.h"
#include "services/storage/postgres_storage.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage {
namespace {

using pg_internal::Connection;
using pg_internal::Params;

// The advisory lock the leader holds ("tcld" in ASCII).
constexpr int64_t kLeaderLock = 0x74636c64;

class PostgresLeaderElection final : public LeaderElection {
 public:
  PostgresLeaderElection(std::string dsn, std::unique_ptr<Connection> conn)
      : dsn_(std::move(dsn)), conn_(std::move(conn)) {}

  bool IsLeader() override {
    absl::MutexLock lock(&mu_);
    if (held_) {
      // Still the leader while the session that holds the lock lives; a query finds out.
      if (conn_->healthy() && conn_->Exec("SELECT 1").ok()) return true;
      held_ = false;
    }
    if (conn_ == nullptr || !conn_->healthy()) {
      absl::StatusOr<std::unique_ptr<Connection>> reopened = Connection::Open(dsn_);
      if (!reopened.ok()) return false;
      conn_ = std::move(*reopened);
    }
    absl::StatusOr<pg_internal::Result> r =
        conn_->Exec("SELECT pg_try_advisory_lock($1)", Params().Int(kLeaderLock));
    held_ = r.ok() && r->rows() == 1 && r->Text(0, 0) == "t";
    return held_;
  }

 private:
  const std::string dsn_;
  absl::Mutex mu_;
  std::unique_ptr<Connection> conn_ ABSL_GUARDED_BY(mu_);
  bool held_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LeaderElection>> OpenPostgresLeaderElection(
    const std::string& dsn) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(dsn));
  return std::unique_ptr<LeaderElection>(new PostgresLeaderElection(dsn, std::move(conn)));
}

}  // namespace throughcare::storage
