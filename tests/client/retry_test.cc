#include "client/retry.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::client {
namespace {

using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

RetryOptions NoPause() {
  RetryOptions options;
  options.pause = absl::ZeroDuration();
  return options;
}

// An attempt that fails with each of `errors` in turn, then succeeds.
class Script {
 public:
  explicit Script(std::vector<absl::Status> errors) : errors_(std::move(errors)) {}
  absl::Status operator()() {
    ++attempts_;
    return attempts_ <= static_cast<int>(errors_.size()) ? errors_[attempts_ - 1]
                                                         : absl::OkStatus();
  }
  int attempts() const { return attempts_; }

 private:
  std::vector<absl::Status> errors_;
  int attempts_ = 0;
};

TEST(IsRetryableTest, OnlyWhatABrokerDownOrBusyAnswers) {
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kAborted,
        absl::StatusCode::kInternal, absl::StatusCode::kCancelled, absl::StatusCode::kUnknown}) {
    EXPECT_TRUE(IsRetryable(code)) << absl::StatusCodeToString(code);
  }
  for (absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kUnauthenticated, absl::StatusCode::kFailedPrecondition,
        absl::StatusCode::kUnimplemented}) {
    EXPECT_FALSE(IsRetryable(code)) << absl::StatusCodeToString(code);
  }
}

TEST(RetryTest, RetriesUntilOk) {
  Script script({absl::UnavailableError("down"), absl::DeadlineExceededError("slow")});
  EXPECT_THAT(Retry(NoPause(), [&] { return script(); }), IsOk());
  EXPECT_EQ(script.attempts(), 3);
}

TEST(RetryTest, StopsAtAnErrorThatIsNotRetryable) {
  Script script({absl::UnavailableError("down"), absl::PermissionDeniedError("no")});
  EXPECT_THAT(Retry(NoPause(), [&] { return script(); }),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(script.attempts(), 2);
}

TEST(RetryTest, StopWhenToldWithTheLastError) {
  Script script({absl::UnavailableError("1"), absl::UnavailableError("2"),
                 absl::UnavailableError("3")});
  RetryOptions options = NoPause();
  options.stop = [&] { return script.attempts() == 2; };
  EXPECT_THAT(Retry(options, [&] { return script(); }),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::StrEq("2")));
  EXPECT_EQ(script.attempts(), 2);

  options.stop = [] { return true; };
  EXPECT_THAT(Retry(options, [&] { return script(); }), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(script.attempts(), 2);
}

TEST(RetryTest, RetryableDecidesWhichErrors) {
  Script script({absl::PermissionDeniedError("no"), absl::InvalidArgumentError("bad")});
  RetryOptions options = NoPause();
  options.retryable = [](const absl::Status&) { return true; };
  EXPECT_THAT(Retry(options, [&] { return script(); }), IsOk());
  EXPECT_EQ(script.attempts(), 3);
}

TEST(RetryTest, PausesBetweenFailedAttempts) {
  Script script({absl::UnavailableError("down"), absl::UnavailableError("down")});
  RetryOptions options;
  options.pause = absl::Milliseconds(20);
  const absl::Time start = absl::Now();
  EXPECT_THAT(Retry(options, [&] { return script(); }), IsOk());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
}

}  // namespace
}  // namespace throughcare::client
