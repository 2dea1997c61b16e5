// The client's one conversion of a call's gRPC status to absl::Status (the broker's conversion the
// other way is services/server/status.cc). Connection::Finish adds where the error came from.
#ifndef THROUGHCARE_CLIENT_GRPC_STATUS_H_
#define THROUGHCARE_CLIENT_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace throughcare::client {

// The same code (gRPC's and Abseil's codes are numbered alike) and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

// "OK", "UNAVAILABLE", ...: a code's name as absl::StatusCodeToString spells it.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_GRPC_STATUS_H_
