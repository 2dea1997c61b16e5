// What every CLI command shares at run time: the global options, the settings resolved from
// them, a connection opened on first use, where output goes, and the helpers that make a call
// and print its response (as text for people, or proto JSON with --json).
#ifndef THROUGHCARE_CLIENT_COMMANDS_SESSION_H_
#define THROUGHCARE_CLIENT_COMMANDS_SESSION_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/connection.h"
#include "client/output.h"
#include "throughcare/status_macros.h"

namespace throughcare::client {

// Options that apply to every subcommand.
struct GlobalOptions {
  SettingInputs settings;
  std::string purpose;
  bool json = false;
};

// The options, resolved settings and a connection opened on first use. Not thread-safe.
class Session final {
 public:
  // `out` receives responses, `err` progress and notes; both must outlive the session.
  Session(GlobalOptions options, std::ostream& out, std::ostream& err);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The settings as given by flags and the environment, before any profile is read.
  const SettingInputs& setting_inputs() const { return options_.settings; }
  absl::StatusOr<const ConnectionSettings*> settings();
  // Opens the connection once; `require_practitioner` is as in Connection::Options and only
  // matters on the first call.
  absl::StatusOr<const Connection*> connection(bool require_practitioner = true);
  // The purpose of use, or `fallback` if none was given; FailedPrecondition if both are empty.
  absl::StatusOr<std::string> purpose(absl::string_view fallback = "") const;

  bool json() const { return options_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::optional<ConnectionSettings> settings_;
  std::unique_ptr<Connection> connection_;
};

// Prints `message` as proto JSON on session.out().
absl::Status PrintJson(Session& session, const google::protobuf::Message& message);

// Prints `message` as JSON or with `render`.
template <typename Message, typename Render>
absl::Status Print(Session& session, const Message& message, Render render) {
  if (session.json()) {
    RETURN_IF_ERROR(PrintJson(session, message));
  } else {
    session.out() << render(message);
  }
  return absl::OkStatus();
}

// Makes one unary call of `Service` and returns its response. The service is named explicitly:
// CallUnary<v1::MessagingService>(session, request, &v1::MessagingService::Stub::Receive).
template <typename Service, typename Request, typename Response>
absl::StatusOr<Response> CallUnary(Session& session, const Request& request,
                                   grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                         const Request&,
                                                                         Response*)) {
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = Service::NewStub(connection->channel());
  return MakeUnaryCall<Response>(*connection, [&](auto* context, auto* response) {
    return ((*stub).*method)(context, request, response);
  });
}

// CallUnary for requests that declare a purpose of use: sets it (or `purpose_fallback` if none
// was given) first.
template <typename Service, typename Request, typename Response>
absl::StatusOr<Response> CallService(Session& session, Request& request,
                                     grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                           const Request&,
                                                                           Response*),
                                     absl::string_view purpose_fallback = "") {
  ASSIGN_OR_RETURN(*request.mutable_purpose(), session.purpose(purpose_fallback));
  return CallUnary<Service>(session, request, method);
}

// Makes one call of `Service` that declares a purpose (as CallService) and prints the response
// with `render` (or as JSON).
template <typename Service, typename Request, typename Response, typename Render>
absl::Status CallAndPrint(Session& session, Request& request,
                          grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                const Request&, Response*),
                          Render render, absl::string_view purpose_fallback = "") {
  ASSIGN_OR_RETURN(Response response,
                   CallService<Service>(session, request, method, purpose_fallback));
  return Print(session, response, render);
}

// Pages through a list call: `call(request)` makes one call, `items(response)` is the mutable
// repeated field of its results. With `all`, follows next_page_token to the end; otherwise one
// page. The pages' items are gathered into one response, whose next_page_token is the last
// page's (empty at the end).
template <typename Response, typename Request, typename Call, typename Items>
absl::StatusOr<Response> CollectPages(Request& request, bool all, Call call, Items items) {
  Response out;
  while (true) {
    ASSIGN_OR_RETURN(Response page, call(request));
    for (auto& item : *items(page)) *items(out)->Add() = std::move(item);
    out.set_next_page_token(page.next_page_token());
    if (!all || page.next_page_token().empty()) return out;
    if (page.next_page_token() == request.page().page_token()) {
      return MarkOrigin(absl::InternalError("the broker returned the same page token twice"),
                        ErrorOrigin::kServer);
    }
    request.mutable_page()->set_page_token(page.next_page_token());
  }
}

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_COMMANDS_SESSION_H_
