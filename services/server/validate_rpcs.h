// Every RPC's request validation behind one signature, by full method name. The handlers call
// the per-service validators (validate_*.h) directly; this table calls the same functions with the
// same inputs, for those that take requests from anywhere: the request fuzz target (tests/fuzz)
// and the test that holds every field of every request to a limit (tests/server). A test checks
// that each RPC of each throughcare.v1 service has its entry.
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_RPCS_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_RPCS_H_

#include <google/protobuf/message.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/policy/policy.h"
#include "services/server/validate_common.h"

namespace throughcare::server {

// What a validator knows besides the request: the policy in force, the configured agencies and
// the caller's agency (CallContext's principal.agency_id).
struct RequestContext {
  const policy::Policy& policy;
  AgencyKindLookup agencies;
  std::string caller_agency;
};

struct RpcValidator {
  std::string method;                             // "/throughcare.v1.RecordService/PutRecord"
  const google::protobuf::Message* request_type;  // the request's default instance
  // `request` must be of request_type's type. The edge's purpose check, then the handler's
  // validator; the domain parameters it makes are dropped. A Subscribe request is checked as
  // the first of its stream.
  std::function<absl::Status(const google::protobuf::Message& request,
                             const RequestContext& context)>
      validate;
};

// One entry per RPC, by service. Thread-safe.
const std::vector<RpcValidator>& RpcValidators();
// The entry for `method`, or nullptr.
const RpcValidator* FindRpcValidator(absl::string_view method);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_RPCS_H_
