// Whether the broker's storage works, for the gRPC health check, the metrics and the log.
//
// HealthCheckedStorage wraps the storage and sees the outcome of every write and read. A failure
// of the storage itself marks it failing at once: a full disk (IsStorageFull), an I/O or other
// Unavailable error, or corruption (DataLoss). The domain's own answers (NOT_FOUND, a refusal,
// ...) say that the storage worked. Only a successful CheckWritable marks it healthy again
// (Recheck, from the broker's periodic work), because a write that changed nothing commits even
// on a full disk. Corruption stays until the broker restarts, which checks the file
// (PRAGMA quick_check) and refuses to start while it is corrupt.
//
// Each change is logged once ("storage_full", "storage_failing", "storage_corrupt",
// "storage_recovered") and passed to the observer.
#ifndef THROUGHCARE_SERVICES_SERVER_STORAGE_HEALTH_H_
#define THROUGHCARE_SERVICES_SERVER_STORAGE_HEALTH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "throughcare/storage.h"

namespace throughcare::server {

enum class StorageCondition { kHealthy, kFull, kFailing, kCorrupt };

// "healthy", "full", "failing", "corrupt".
const char* StorageConditionName(StorageCondition condition);

// The condition a storage outcome shows: kHealthy for OK and for the domain's own errors.
StorageCondition ConditionOf(const absl::Status& status);

// Thread-safe.
class HealthCheckedStorage final : public Storage {
 public:
  // `location` names the storage in log lines (the SQLite file).
  HealthCheckedStorage(std::unique_ptr<Storage> inner, std::string location);

  // Called, under this object's lock, with each new condition; must be quick and must not use
  // this storage. Also called at once with the current condition.
  void set_observer(std::function<void(StorageCondition)> observer);

  StorageCondition condition() const;
  // Failed writes and reads so far, by the condition they showed (not kHealthy).
  int64_t failures(StorageCondition condition) const;

  // While full or failing: whether a write commits now (CheckWritable), and if so, healthy
  // again. Returns whether the storage is healthy. Not for use inside a write's `fn` or `done`.
  bool Recheck();

  void Write(WriteFn fn, DoneFn done) override;
  absl::Status Read(ReadFn fn) override;
  void Close() override;
  StorageStats Stats() const override { return inner_->Stats(); }
  absl::Status CheckWritable() override;

 private:
  // Notes an outcome: counts a failure and moves to its condition (corruption stays).
  void Observe(const absl::Status& status);
  void MoveTo(StorageCondition next, const absl::Status& cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<Storage> inner_;
  const std::string location_;
  mutable absl::Mutex mu_;
  StorageCondition condition_ ABSL_GUARDED_BY(mu_) = StorageCondition::kHealthy;
  int64_t failures_[4] ABSL_GUARDED_BY(mu_) = {0, 0, 0, 0};
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void(StorageCondition)> observer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_STORAGE_HEALTH_H_
