#include "client/retry.h"

#include "absl/time/clock.h"

namespace throughcare::client {

bool IsRetryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnimplemented:
      return false;
    default:
      return true;
  }
}

absl::Status Retry(const RetryOptions& options, absl::FunctionRef<absl::Status()> attempt) {
  absl::Status last = absl::CancelledError("stopped before the first attempt");
  while (!options.stop()) {
    last = attempt();
    if (last.ok() || !options.retryable(last)) return last;
    absl::SleepFor(options.pause);
  }
  return last;
}

}  // namespace throughcare::client
