#include "services/server/status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace throughcare::server {

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view request_id) {
  if (status.ok()) return grpc::Status::OK;
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
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

}  // namespace throughcare::server
