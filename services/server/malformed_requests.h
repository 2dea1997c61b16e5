// Requests whose bytes are not a valid message of the method's request type: not protobuf wire
// format, or a string field that is not UTF-8 (proto3 strings must be; the parser refuses them).
//
// gRPC's callback API (1.51) parses a unary or server-streaming request before any handler runs
// and, when parsing fails, answers UNIMPLEMENTED with no message by itself: the handler, and so
// the edge's request id, log line and metrics, never see the call. A server interceptor does see
// it (the request it is shown after receiving is null), and at the reply rewrites that answer to
// INVALID_ARGUMENT saying what was wrong, with a request id in the response metadata, logs it
// (event=malformed_request, and the usual rpc line) and counts it in throughcare_rpcs_total.
//
// Why an interceptor rather than a serialization trait: the callback handlers discard the status
// a SerializationTraits<T>::Deserialize returns (the reply is UNIMPLEMENTED "" whatever it says),
// so a trait would have to pretend success and smuggle the failure to every handler; and a trait
// must be specialized for each request type before the generated code is compiled. The
// interceptor is one object for every method, registered once with the server builder.
//
// Not covered: a message on a bidirectional stream (Subscribe). gRPC ends the read as if the
// client had closed its side, and shows an interceptor the same as for a clean close; the stream
// then ends with OK.
#ifndef THROUGHCARE_SERVICES_SERVER_MALFORMED_REQUESTS_H_
#define THROUGHCARE_SERVICES_SERVER_MALFORMED_REQUESTS_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/server/edge.h"

namespace throughcare::server {

// The interceptor factories to give ServerBuilder::experimental().SetInterceptorCreators.
// `edge` logs and counts the calls and must outlive the server.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MalformedRequestInterceptors(const Edge& edge);

// What a client is told about a request of `method` ("/throughcare.v1.RecordService/PutRecord")
// that could not be parsed: names the request type when the method is one of the broker's.
std::string MalformedRequestMessage(absl::string_view method);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_MALFORMED_REQUESTS_H_
