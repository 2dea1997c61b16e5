// The transaction's own machinery: a savepoint per Atomically call, which also undoes the
// notifications, counts and after-commit functions registered inside it.
#include "services/storage/internal/sqlite_tx.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace throughcare::storage::sqlite_internal {

absl::Status SqliteTx::Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) {
  std::string name = absl::StrCat("nested", ++depth_);
  const size_t notified = notifications_.size();
  const size_t registered = after_commit_.size();
  const int64_t messages = records_messages_;
  absl::Status status = conn_->Exec(absl::StrCat("SAVEPOINT ", name).c_str());
  if (status.ok()) {
    status = fn(*this);
    if (!status.ok()) conn_->Exec(absl::StrCat("ROLLBACK TO ", name).c_str()).IgnoreError();
    absl::Status release = conn_->Exec(absl::StrCat("RELEASE ", name).c_str());
    if (status.ok()) status = release;
  }
  if (!status.ok()) {  // what the undone writes registered is undone with them
    notifications_.resize(notified);
    after_commit_.erase(after_commit_.begin() + registered, after_commit_.end());
    records_messages_ = messages;
  }
  --depth_;
  return status;
}

}  // namespace throughcare::storage::sqlite_internal
