// gRPC's own log lines (handshake failures, transport errors) through the one logger, in the same
// logfmt as the broker's, instead of gRPC's default format on stderr.
#ifndef THROUGHCARE_SERVICES_SERVER_GRPC_LOG_H_
#define THROUGHCARE_SERVICES_SERVER_GRPC_LOG_H_

#include <string>

#include "absl/strings/string_view.h"

namespace throughcare::server {

// From now on gRPC logs as event=grpc with its level, source file and line, its message, and the
// peer's address when the message names one. Which lines gRPC emits is still its own choice
// (GRPC_VERBOSITY, default ERROR). Called by InitLogging; process-wide.
void RouteGrpcLogs();

// The peer address a gRPC log message names ("ipv4:127.0.0.1:51234", "ipv6:[::1]:51234",
// "unix:/path"), or "" if none. Pure.
std::string PeerNamedIn(absl::string_view message);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_GRPC_LOG_H_
