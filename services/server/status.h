// The one place where absl::Status becomes what a caller is shown (a grpc::Status, or an HTTP
// status), and where an error's details are kept from callers when they are the broker's
// business rather than theirs.
#ifndef THROUGHCARE_SERVICES_SERVER_STATUS_H_
#define THROUGHCARE_SERVICES_SERVER_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace throughcare::server {

// Errors a caller can act on keep their message. Internal failures (INTERNAL, UNKNOWN,
// DATA_LOSS, UNAVAILABLE) say only what failed, in the words before the first ": ", and the
// request id to quote; the full message goes to the broker's log. UNAUTHENTICATED keeps its
// message and adds the request id. A full disk (IsStorageFull,
// however wrapped) is RESOURCE_EXHAUSTED "storage is full: ..." with the request id.
absl::Status ForCaller(const absl::Status& status, absl::string_view request_id = "");

// ForCaller, as a grpc::Status (absl and gRPC share the canonical codes).
grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view request_id = "");

// The HTTP status of an answer with this code, for the adapters' HTTPS listener: 400, 401,
// 403, 404, 409 (exists, stale version), 422 (FAILED_PRECONDITION), 429, 501, 503, 504, else 500.
int HttpStatusFor(absl::StatusCode code);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_STATUS_H_
