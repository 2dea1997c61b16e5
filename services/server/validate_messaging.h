// MessagingService's request validators (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_MESSAGING_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_MESSAGING_H_

#include <google/protobuf/duration.pb.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/messaging/messaging_service.h"
#include "services/policy/policy.h"
#include "services/server/validate_common.h"
#include "throughcare/v1/messaging.pb.h"

namespace throughcare::server {

// 1 to 16 recipients (none twice, each an agency the broker is configured with, and none the
// sender's own `caller_agency`), a subject, records by reference (at most 16, none twice) and/or
// one inline record, an idempotency key, and a time to live of 1 minute to 30 days (unset: 5
// days).
absl::StatusOr<messaging::SendParams> ValidateSend(const v1::SendRequest& req,
                                                   const policy::Policy& policy,
                                                   const AgencyKindLookup& agencies,
                                                   const std::string& caller_agency);

// 1 to 100 deliveries, leased for 1 s to 1 h (unset: 60 s).
struct ReceiveParams {
  int max_messages = 0;
  absl::Duration lease;
};
absl::StatusOr<ReceiveParams> ValidateReceive(const v1::ReceiveRequest& req);

// One request on a Subscribe stream: the first sets credit (0 to 1000) and may set the lease (as
// ValidateLease); later ones set credit or a settlement, and no lease.
struct SubscribeStep {
  std::optional<absl::Duration> lease;  // the first request's
  std::optional<int> credit;
  std::optional<messaging::Settlement> settle;
};
absl::StatusOr<SubscribeStep> ValidateSubscribeRequest(const v1::SubscribeRequest& req,
                                                       bool first);

// A message id.
absl::Status ValidateGetStatus(const v1::GetStatusRequest& req);
// A lease duration: 1 s to 1 h; unset: 60 s.
absl::StatusOr<absl::Duration> ValidateLease(bool has, const google::protobuf::Duration& lease,
                                             absl::string_view field);
// A lease id and one outcome: ack, nack (retry_after 0 s to 1 h) or reject (with a reason).
absl::StatusOr<messaging::Settlement> ValidateSettlement(const v1::Settlement& s,
                                                         absl::string_view field);
// 1 to 100 settlements, no lease twice.
absl::StatusOr<std::vector<messaging::Settlement>> ValidateAck(const v1::AckRequest& req);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_MESSAGING_H_
