#include "services/server/status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "throughcare/storage.h"

namespace throughcare::server {

absl::Status ForCaller(const absl::Status& status, absl::string_view request_id) {
  if (status.ok()) return status;
  const auto with_request_id = [&](absl::string_view message) {
    return request_id.empty() ? std::string(message)
                              : absl::StrCat(message, " (request id ", request_id, ")");
  };
  // However it was wrapped, a full disk is RESOURCE_EXHAUSTED in the same words for every call.
  if (IsStorageFull(status)) {
    return absl::ResourceExhaustedError(with_request_id(absl::StrCat(
        kStorageFull,
        ": the broker cannot write until its operator frees disk space; retry later")));
  }
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable: {
      absl::string_view message = status.message();
      return absl::Status(status.code(), with_request_id(message.substr(0, message.find(": "))));
    }
    case absl::StatusCode::kUnauthenticated:
      // The identity was refused: the request id lets the caller's operator find the log line,
      // which names the certificate and its agency.
      return absl::Status(status.code(), with_request_id(status.message()));
    default:
      return status;
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view request_id) {
  const absl::Status shown = ForCaller(status, request_id);
  if (shown.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(shown.code()), std::string(shown.message()));
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 422;  // understood, but the state of things does not allow it (as FHIR uses it)
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

}  // namespace throughcare::server
