// What the validator tests share: the demo policy, well-formed ids and a matcher for the
// field-named InvalidArgument errors every validator returns.
#ifndef THROUGHCARE_TESTS_SERVER_VALIDATE_TESTING_H_
#define THROUGHCARE_TESTS_SERVER_VALIDATE_TESTING_H_

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/policy/policy.h"
#include "services/server/dev_setup.h"
#include "services/server/validate_common.h"
#include "tests/testing/demo_agencies.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server::testing {

// deploy/policy.yaml, as the broker embeds it for --dev.
inline const policy::Policy& DemoPolicy() {
  static const std::shared_ptr<const policy::Policy> policy = [] {
    absl::StatusOr<std::shared_ptr<const policy::Policy>> parsed =
        policy::Policy::Parse(kDemoPolicy, "deploy/policy.yaml");
    if (!parsed.ok()) {
      ADD_FAILURE() << parsed.status();
      std::abort();
    }
    return *std::move(parsed);
  }();
  return *policy;
}

// The demo agencies (tests/testing/demo_agencies.h), as validators are told of them.
inline AgencyKindLookup DemoAgencies() { return ::throughcare::testing::DemoAgencyKind; }

// A well-formed broker id: `prefix`, '_' and 26 base32 characters ("sub_aaaa...").
inline std::string Id(absl::string_view prefix, char fill = 'a') {
  return std::string(prefix) + "_" + std::string(26, fill);
}

// INVALID_ARGUMENT with exactly the message "<field>: <what>".
inline auto FieldError(const std::string& field, const std::string& what) {
  return ::throughcare::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          ::testing::StrEq(field + ": " + what));
}

// INVALID_ARGUMENT naming `field` first, whatever it says about it.
inline auto NamesField(const std::string& field) {
  return ::throughcare::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          ::testing::StartsWith(field + ": "));
}

}  // namespace throughcare::server::testing

#endif  // THROUGHCARE_TESTS_SERVER_VALIDATE_TESTING_H_
