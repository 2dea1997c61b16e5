#include "services/server/storage_health.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/server/log.h"

namespace throughcare::server {
namespace {

// What an operator should know about each condition, for its log line.
const char* Advice(StorageCondition condition) {
  switch (condition) {
    case StorageCondition::kFull:
      return "writes, and reads that must be audited, fail with RESOURCE_EXHAUSTED until space "
             "is freed; health is NOT_SERVING until a write commits again";
    case StorageCondition::kFailing:
      return "calls that need storage fail; health is NOT_SERVING until a write commits again";
    case StorageCondition::kCorrupt:
      return "the database is damaged: stop the broker and restore the file from a backup; "
             "health is NOT_SERVING until a restart finds the file sound";
    case StorageCondition::kHealthy:
      break;
  }
  return "";
}

}  // namespace

const char* StorageConditionName(StorageCondition condition) {
  switch (condition) {
    case StorageCondition::kHealthy:
      return "healthy";
    case StorageCondition::kFull:
      return "full";
    case StorageCondition::kFailing:
      return "failing";
    case StorageCondition::kCorrupt:
      return "corrupt";
  }
  return "unknown";
}

StorageCondition ConditionOf(const absl::Status& status) {
  if (status.ok()) return StorageCondition::kHealthy;
  if (IsStorageFull(status)) return StorageCondition::kFull;
  if (absl::IsDataLoss(status)) return StorageCondition::kCorrupt;
  if (absl::IsUnavailable(status)) return StorageCondition::kFailing;
  return StorageCondition::kHealthy;
}

HealthCheckedStorage::HealthCheckedStorage(std::unique_ptr<Storage> inner, std::string location)
    : inner_(std::move(inner)), location_(std::move(location)) {}

void HealthCheckedStorage::set_observer(std::function<void(StorageCondition)> observer) {
  absl::MutexLock lock(&mu_);
  observer_ = std::move(observer);
  if (observer_) observer_(condition_);
}

StorageCondition HealthCheckedStorage::condition() const {
  absl::MutexLock lock(&mu_);
  return condition_;
}

int64_t HealthCheckedStorage::failures(StorageCondition condition) const {
  absl::MutexLock lock(&mu_);
  return failures_[static_cast<int>(condition)];
}

void HealthCheckedStorage::Observe(const absl::Status& status) {
  const StorageCondition seen = ConditionOf(status);
  if (seen == StorageCondition::kHealthy) return;
  absl::MutexLock lock(&mu_);
  // Once closed, writes are refused with Unavailable: that is the shutdown, not a failure.
  if (closed_) return;
  ++failures_[static_cast<int>(seen)];
  if (condition_ != StorageCondition::kCorrupt && condition_ != seen) MoveTo(seen, status);
}

void HealthCheckedStorage::MoveTo(StorageCondition next, const absl::Status& cause) {
  const StorageCondition was = condition_;
  condition_ = next;
  if (next == StorageCondition::kHealthy) {
    Log(LogLevel::kInfo, "storage_recovered",
        {{"storage", location_},
         {"was", StorageConditionName(was)},
         {"message", "a write committed again; health is SERVING"}});
  } else {
    Log(LogLevel::kError, absl::StrCat("storage_", StorageConditionName(next)),
        {{"storage", location_},
         {"error", std::string(cause.message())},
         {"message", Advice(next)}});
  }
  if (observer_) observer_(next);
}

bool HealthCheckedStorage::Recheck() {
  {
    absl::MutexLock lock(&mu_);
    if (condition_ == StorageCondition::kHealthy) return true;
    if (condition_ == StorageCondition::kCorrupt) return false;
  }
  const absl::Status writable = inner_->CheckWritable();
  if (!writable.ok()) {
    Observe(writable);
    return false;
  }
  absl::MutexLock lock(&mu_);
  if (condition_ == StorageCondition::kCorrupt) return false;
  if (condition_ != StorageCondition::kHealthy) MoveTo(StorageCondition::kHealthy, writable);
  return true;
}

void HealthCheckedStorage::Write(WriteFn fn, DoneFn done) {
  inner_->Write(std::move(fn), [this, done = std::move(done)](absl::Status status) mutable {
    Observe(status);
    done(std::move(status));
  });
}

absl::Status HealthCheckedStorage::Read(ReadFn fn) {
  absl::Status status = inner_->Read(std::move(fn));
  Observe(status);
  return status;
}

void HealthCheckedStorage::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  inner_->Close();
}

absl::Status HealthCheckedStorage::CheckWritable() {
  absl::Status status = inner_->CheckWritable();
  Observe(status);
  return status;
}

}  // namespace throughcare::server
