// The demo agencies, as `throughcared --dev` configures them (services/server/dev_setup.cc), and
// their kinds: what the validator tests and the request fuzz target tell validators about the
// agencies that exist. Header-only, with no test framework, so that fuzz builds can use it.
#ifndef THROUGHCARE_TESTS_TESTING_DEMO_AGENCIES_H_
#define THROUGHCARE_TESTS_TESTING_DEMO_AGENCIES_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace throughcare::testing {

// The kind of a demo agency; NotFound for any other id.
inline absl::StatusOr<std::string> DemoAgencyKind(const std::string& agency_id) {
  static const auto* kinds = new std::map<std::string, std::string>{
      {"hmp-northgate", "prison"},     {"hmp-northgate-healthcare", "prison_healthcare"},
      {"probation-east", "probation"}, {"cjit-east", "cjit"},
      {"housing-east", "housing"},     {"health-east", "health"},
      {"police-east", "police"},       {"ig-office", "oversight"}};
  auto it = kinds->find(agency_id);
  if (it == kinds->end()) return absl::NotFoundError(agency_id);
  return it->second;
}

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_TESTING_DEMO_AGENCIES_H_
