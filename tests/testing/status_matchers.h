// The project's one set of status matchers for GoogleTest (Debian 12's Abseil ships none).
//
//   EXPECT_THAT(status_or_statusor, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nhs_number")));
//   EXPECT_THAT(statusor, IsOkAndHolds("0"));
//   ASSERT_OK_AND_ASSIGN(auto value, FunctionReturningStatusOr());
#ifndef THROUGHCARE_TESTS_TESTING_STATUS_MATCHERS_H_
#define THROUGHCARE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace throughcare::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::throughcare::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = ::throughcare::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& s = ::throughcare::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace throughcare::testing

#define TC_TESTING_CONCAT_INNER_(a, b) a##b
#define TC_TESTING_CONCAT_(a, b) TC_TESTING_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  TC_ASSERT_OK_AND_ASSIGN_IMPL_(TC_TESTING_CONCAT_(tc_testing_statusor_, __LINE__), lhs, expr)
#define TC_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  ASSERT_TRUE(statusor.ok()) << statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // THROUGHCARE_TESTS_TESTING_STATUS_MATCHERS_H_
