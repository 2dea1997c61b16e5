#include "services/server/status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "throughcare/storage.h"

namespace throughcare::server {

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view request_id) {
  if (status.ok()) return grpc::Status::OK;
  // However it was wrapped, a full disk is RESOURCE_EXHAUSTED in the same words for every call.
  if (IsStorageFull(status)) {
    std::string message = absl::StrCat(
        kStorageFull, ": the broker cannot write until its operator frees disk space; retry later");
    if (!request_id.empty()) absl::StrAppend(&message, " (request id ", request_id, ")");
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message);
  }
  // absl and gRPC share the canonical code numbering.
  const auto code = static_cast<grpc::StatusCode>(status.code());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable: {
      absl::string_view message = status.message();
      message = message.substr(0, message.find(": "));
      return grpc::Status(code, request_id.empty()
                                    ? std::string(message)
                                    : absl::StrCat(message, " (request id ", request_id, ")"));
    }
    case absl::StatusCode::kUnauthenticated:
      // The identity was refused: the request id lets the caller's operator find the log line,
      // which names the certificate and its agency.
      return grpc::Status(code, request_id.empty() ? std::string(status.message())
                                                   : absl::StrCat(status.message(), " (request id ",
                                                                  request_id, ")"));
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

}  // namespace throughcare::server
