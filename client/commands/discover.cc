// `throughcare whoami` and `throughcare directory`: who the broker takes the caller for, and the
// names an integrator can use with it (AdminService.Discover), without reading its config.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands/commands.h"
#include "throughcare/v1/admin.grpc.pb.h"

namespace throughcare::client {
namespace {

std::string RenderWhoami(const v1::Discovery& d) {
  const v1::Discovery::Caller& c = d.caller();
  Table table;
  table.AddRow({"agency", absl::StrCat(c.agency_id(), " (", c.agency_kind(), ")")});
  table.AddRow({"system", c.system_id()});
  table.AddRow({"user", c.user_id()});
  table.AddRow({"role", c.role()});
  table.AddRow({"grantable_roles", absl::StrJoin(c.grantable_roles(), ", ")});
  table.AddRow({"interface", c.interface()});
  table.AddRow({"policy_version", OrDash(d.policy_version())});
  return table.Render();
}

std::string RenderDirectory(const v1::Discovery& d) {
  Table agencies;
  agencies.AddRow({"AGENCY", "KIND", "INTERFACE", "HOME AREAS", "NAME"});
  for (const v1::Discovery::Agency& a : d.agencies()) {
    agencies.AddRow({a.agency_id(), a.kind(), a.interface(),
                     OrDash(absl::StrJoin(a.home_areas(), ",")), a.name()});
  }
  Table types;
  types.AddRow({"REFERRAL TYPE", "DATA CLASS", "PURPOSE", "DESCRIPTION"});
  for (const v1::Discovery::ReferralType& t : d.referral_types()) {
    types.AddRow({t.referral_type(), t.data_class(), t.purpose(), t.description()});
  }
  Table formats;
  formats.AddRow({"FORMAT", "CONTENT TYPE", "VERSION"});
  formats.AddRow({"grpc", "application/grpc", "throughcare.v1"});
  for (const v1::Discovery::Format& f : d.formats()) {
    formats.AddRow({f.name(), f.content_type(), f.version()});
  }
  return absl::StrCat(agencies.Render(), "\n", types.Render(), "\n", formats.Render(),
                      "\npurposes:     ", absl::StrJoin(d.purposes(), ", "),
                      "\ndata classes: ", absl::StrJoin(d.data_classes(), ", "),
                      "\nlabels:       ", absl::StrJoin(d.labels(), ", "),
                      "\ngrantable roles of ", d.caller().agency_id(), ": ",
                      absl::StrJoin(d.caller().grantable_roles(), ", "), "\n");
}

// AdminService.Discover, printed with `render` (or as JSON).
template <typename Render>
absl::Status Discover(Session& session, Render render) {
  v1::DiscoverRequest request;
  ASSIGN_OR_RETURN(v1::Discovery discovery,
                   CallUnary<v1::AdminService>(session, request,
                                               &v1::AdminService::Stub::Discover));
  return Print(session, discovery, render);
}

}  // namespace

void RegisterDiscoverCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* whoami = app.add_subcommand(
      "whoami", "Show who the broker takes you for: agency, system, user, role, interface");
  whoami->footer(Footer("throughcare --dev-dir ./dev --agency probation-east whoami"));
  ctx.OnRun(whoami, [](Session& s) { return Discover(s, RenderWhoami); });
  CLI::App* directory = app.add_subcommand(
      "directory",
      "List the agencies, their kinds and interfaces, the referral types, the formats, and the "
      "policy's purposes, data classes and labels");
  directory->footer(Footer("throughcare --dev-dir ./dev --agency probation-east directory"));
  ctx.OnRun(directory, [](Session& s) { return Discover(s, RenderDirectory); });
}

}  // namespace throughcare::client
