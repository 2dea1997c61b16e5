// Valid requests of every RPC, each with every field it may carry set to a valid value. The
// validator tests start from them and change one thing; the limits test (request_limits_test.cc)
// sets each field in turn to what an attacker would send; the request fuzz target's seed corpus
// (tests/fuzz/corpus/request_fuzzer/) is made of them. Each passes its validator with the demo
// policy and agencies, called by the prison (ExampleContext). Their dates are fixed on purpose:
// validators are pure and compare no date with a clock (only with 0001-01-01..9999-12-31), and
// no example is given to a running broker, so no clock can overtake them.
#ifndef THROUGHCARE_TESTS_SERVER_REQUEST_EXAMPLES_H_
#define THROUGHCARE_TESTS_SERVER_REQUEST_EXAMPLES_H_

#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <vector>

#include "services/server/validate_rpcs.h"
#include "throughcare/v1/consent.pb.h"
#include "throughcare/v1/messaging.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/referrals.pb.h"

namespace throughcare::server::testing {

// The demo policy (deploy/policy.yaml), the demo agencies, and hmp-northgate calling.
RequestContext ExampleContext();

// Health data for probation-east, for offender management, on a signed form.
v1::RecordConsentRequest SignedConsent();
// A drug interventions record sent inline to cjit-east.
v1::SendRequest InlineSend();
// A new health summary (labelled sealed) and a new drug interventions record.
v1::PutRecordRequest HealthSummary();
v1::PutRecordRequest Dir();
// A CARAT-to-CJIT referral on release, with the drug interventions record.
v1::CreateReferralRequest OnRelease();

struct RequestExample {
  // Its file in the seed corpus, e.g. "RecordService.PutRecord.health_summary".
  std::string name;
  // "/throughcare.v1.RecordService/PutRecord"
  std::string method;
  std::shared_ptr<const google::protobuf::Message> request;
};

// At least one per RPC; several where a oneof or an either-or gives a request other fields
// (each record type, each settlement outcome, an access check by record or by data class).
std::vector<RequestExample> RequestExamples();

}  // namespace throughcare::server::testing

#endif  // THROUGHCARE_TESTS_SERVER_REQUEST_EXAMPLES_H_
