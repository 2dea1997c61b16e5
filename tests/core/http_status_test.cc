#include "services/core/http_status.h"

#include "gtest/gtest.h"

namespace throughcare {
namespace {

TEST(HttpStatus, EachCodeHasItsStatusAndEachStatusItsPhrase) {
  struct Case {
    absl::StatusCode code;
    int status;
    const char* phrase;
  };
  for (const Case& c : {Case{absl::StatusCode::kOk, 200, "OK"},
                        Case{absl::StatusCode::kInvalidArgument, 400, "Bad Request"},
                        Case{absl::StatusCode::kOutOfRange, 400, "Bad Request"},
                        Case{absl::StatusCode::kUnauthenticated, 401, "Unauthorized"},
                        Case{absl::StatusCode::kPermissionDenied, 403, "Forbidden"},
                        Case{absl::StatusCode::kNotFound, 404, "Not Found"},
                        Case{absl::StatusCode::kAlreadyExists, 409, "Conflict"},
                        Case{absl::StatusCode::kAborted, 409, "Conflict"},
                        Case{absl::StatusCode::kFailedPrecondition, 422, "Unprocessable Content"},
                        Case{absl::StatusCode::kResourceExhausted, 429, "Too Many Requests"},
                        Case{absl::StatusCode::kUnimplemented, 501, "Not Implemented"},
                        Case{absl::StatusCode::kUnavailable, 503, "Service Unavailable"},
                        Case{absl::StatusCode::kDeadlineExceeded, 504, "Gateway Timeout"},
                        Case{absl::StatusCode::kInternal, 500, "Internal Server Error"},
                        Case{absl::StatusCode::kDataLoss, 500, "Internal Server Error"}}) {
    EXPECT_EQ(HttpStatusOf(c.code), c.status) << absl::StatusCodeToString(c.code);
    EXPECT_EQ(HttpReasonPhrase(c.status), c.phrase) << c.status;
  }
  EXPECT_EQ(HttpReasonPhrase(201), "Created");
}

}  // namespace
}  // namespace throughcare
