// The transaction's own machinery: a savepoint per Atomically call, and what runs after the
// commit.
#include "services/storage/internal/sqlite_tx.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace throughcare::storage::sqlite_internal {

absl::Status SqliteTx::Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) {
  std::string name = absl::StrCat("nested", ++depth_);
  const size_t registered = after_commit_.size();
  absl::Status status = conn_->Exec(absl::StrCat("SAVEPOINT ", name).c_str());
  if (status.ok()) {
    status = fn(*this);
    if (!status.ok()) {
      conn_->Exec(absl::StrCat("ROLLBACK TO ", name).c_str()).IgnoreError();
    }
    absl::Status release = conn_->Exec(absl::StrCat("RELEASE ", name).c_str());
    if (status.ok()) status = release;
  }
  // What the undone writes registered is undone with them.
  if (!status.ok()) after_commit_.erase(after_commit_.begin() + registered, after_commit_.end());
  --depth_;
  return status;
}

void SqliteTx::AfterCommit(absl::AnyInvocable<void()> fn) { after_commit_.push_back(std::move(fn)); }

}  // namespace throughcare::storage::sqlite_internal
