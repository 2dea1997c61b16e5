// The one place where absl::Status becomes grpc::Status.
#ifndef THROUGHCARE_SERVICES_SERVER_STATUS_H_
#define THROUGHCARE_SERVICES_SERVER_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace throughcare::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_STATUS_H_
