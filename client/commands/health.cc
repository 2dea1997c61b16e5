// `throughcare health`: the broker's gRPC health status.
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace throughcare::client {
namespace {

const char* ServingStatusName(int status) {
  switch (status) {
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

// grpc.health.v1.Health/Check for the whole server. NOT_SERVING (or any answer other than
// SERVING) is printed and returned as a server error.
absl::Status Health(Session& session) {
  ASSIGN_OR_RETURN(const Connection* connection,
                   session.connection(/*require_practitioner=*/false));
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context, connection->NewContext());
  auto stub = grpc::health::v1::Health::NewStub(connection->channel());
  grpc::health::v1::HealthCheckRequest request;  // empty service: the whole broker
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(context.get(), request, &response);
  RETURN_IF_ERROR(connection->Finish(*context, status));
  const int serving = response.status();
  const char* name = ServingStatusName(serving);
  if (session.json()) {
    session.out() << "{\n  \"status\": \"" << name << "\"\n}\n";
  } else {
    session.out() << name << "\n";
  }
  if (serving != 1) {
    return MarkOrigin(absl::UnavailableError(absl::StrCat("the broker reports ", name)),
                      ErrorOrigin::kServer);
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterHealthCommand(CLI::App& app, CommandContext& ctx) {
  CLI::App* health =
      app.add_subcommand("health", "Ask the broker whether it is serving (grpc.health.v1 Check)");
  health->footer(Footer("throughcare --profile prison.yaml health",
                        "Prints SERVING (exit 0) or NOT_SERVING (exit 1)."));
  ctx.OnRun(health, [](Session& s) { return Health(s); });
}

}  // namespace throughcare::client
