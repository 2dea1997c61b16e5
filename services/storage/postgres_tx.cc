// The transaction's own machinery: a savepoint per Atomically call, which also undoes the
// notifications, counts and after-commit functions registered inside it.
#include "services/storage/internal/postgres_tx.h"

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"

namespace throughcare::storage::pg_internal {

absl::Status PgTx::Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) {
  const std::string name = absl::StrCat("nested", ++depth_);
  const size_t notified = notifications_.size();
  const size_t registered = after_commit_.size();
  const int64_t messages = records_messages_;
  absl::Status status = conn_->Run(absl::StrCat("SAVEPOINT ", name));
  if (status.ok()) {
    status = fn(*this);
    // A closure that ignored a failed statement returns OK on a transaction PostgreSQL has
    // marked failed: RELEASE then fails, and the savepoint is rolled back all the same.
    if (status.ok()) status = conn_->Run(absl::StrCat("RELEASE ", name));
    if (!status.ok()) {
      conn_->Run(absl::StrCat("ROLLBACK TO ", name)).IgnoreError();
      conn_->Run(absl::StrCat("RELEASE ", name)).IgnoreError();
    }
  }
  if (!status.ok()) {  // what the undone writes registered is undone with them
    notifications_.resize(notified);
    after_commit_.erase(after_commit_.begin() + static_cast<std::ptrdiff_t>(registered),
                        after_commit_.end());
    records_messages_ = messages;
  }
  --depth_;
  return status;
}

}  // namespace throughcare::storage::pg_internal
