// Retrying calls to a broker that may be down, restarting or busy: the one loop the bench and the
// crash harness use. The CLI itself never retries (a person runs it again).
#ifndef THROUGHCARE_CLIENT_RETRY_H_
#define THROUGHCARE_CLIENT_RETRY_H_

#include <functional>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace throughcare::client {

// Whether a call that failed with `code` may succeed when made again unchanged. False for the
// codes that say the request itself is wrong or not allowed (INVALID_ARGUMENT, NOT_FOUND,
// ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, UNIMPLEMENTED); true
// for the rest, which is how a broker that is down, restarting or busy answers.
bool IsRetryable(absl::StatusCode code);

struct RetryOptions {
  // Between a failed attempt and the next, so that a refusing or unreachable broker is not
  // hammered by a busy loop.
  absl::Duration pause = absl::Milliseconds(50);
  // Asked before every attempt: true ends the retrying.
  std::function<bool()> stop = [] { return false; };
  // Whether a failed attempt is made again.
  std::function<bool(const absl::Status&)> retryable = [](const absl::Status& s) {
    return IsRetryable(s.code());
  };
};

// Makes `attempt` until it returns OK or an error `options.retryable` rejects, or until
// `options.stop` says so, and returns the last attempt's status (Cancelled if stopped before the
// first attempt). Calls `attempt` on this thread only.
absl::Status Retry(const RetryOptions& options, absl::FunctionRef<absl::Status()> attempt);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_RETRY_H_
