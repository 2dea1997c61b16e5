#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "throughcare/storage.h"

namespace throughcare {

bool IsStorageFull(const absl::Status& status) {
  return !status.ok() && absl::StrContains(status.message(), kStorageFull);
}

absl::Status Storage::WriteAndWait(WriteFn fn) {
  absl::Notification finished;
  absl::Status result;
  Write(std::move(fn), [&](absl::Status status) {
    result = std::move(status);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace throughcare
