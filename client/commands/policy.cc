// `throughcare policy reload`: put an edited policy file in force.
#include <string>

#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "throughcare/v1/admin.grpc.pb.h"

namespace throughcare::client {
namespace {

// The previous and the new policy version.
std::string RenderReload(const v1::ReloadPolicyResponse& r) {
  Table table;
  table.AddRow({"previous_version", OrDash(r.previous_version())});
  table.AddRow({"version", OrDash(r.version())});
  std::string out = table.Render();
  if (r.previous_version() == r.version()) {
    absl::StrAppend(&out, "(the policy file is unchanged)\n");
  }
  return out;
}

// AdminService.ReloadPolicy; prints the previous and the new policy version.
absl::Status PolicyReload(Session& session) {
  v1::ReloadPolicyRequest request;
  return CallAndPrint<v1::AdminService>(session, request, &v1::AdminService::Stub::ReloadPolicy,
                                        RenderReload, kAuditPurpose);
}

}  // namespace

void RegisterPolicyCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* policy = app.add_subcommand("policy", "Operate the broker's access policy");
  policy->require_subcommand(1);
  policy->footer(Footer("throughcare policy reload"));
  CLI::App* reload = policy->add_subcommand(
      "reload", "Make the broker re-read its policy file (a bad file is rejected)");
  reload->footer(
      Footer("throughcare --dev-dir ./dev --agency ig-office --user admin-1 "
             "--role policy_admin policy reload",
             "Prints the previous and the new policy version. On a bad file the\n"
             "broker answers INVALID_ARGUMENT with the file and line, and keeps the\n"
             "policy in force. --purpose defaults to audit."));
  ctx.OnRun(reload, [](Session& s) { return PolicyReload(s); });
}

}  // namespace throughcare::client
