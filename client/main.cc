// throughcare: the command-line client of the Throughcare broker. This file declares the global
// options, has each command group (client/commands/) declare its subcommands, parses, and runs
// the chosen one; exit codes are in connection.h.
#include <grpc/support/log.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "client/commands/commands.h"
#include "client/commands/session.h"
#include "client/connection.h"
#include "client/json.h"
#include "throughcare/version.h"

namespace throughcare::client {
namespace {

constexpr char kTopFooter[] =
    R"(Settings (a flag wins over its environment variable, which wins over the profile):
  --profile FILE, or --dev-dir DIR with --agency (profile DIR/profiles/<agency>.yaml, as
  written by `throughcared --dev`) supplies server, ca, certificate, private_key, agency and
  identity_key. The practitioner is --token, or an assertion minted for each call from
  --identity-key with --agency, --user and --role (valid for 10 minutes).

Exit codes:
  0  success
  1  the broker answered with an error ("error: <CODE>: <message>" on stderr), or refused
     what was asked: `message send` where every recipient is withheld
  2  bad usage or local configuration: a bad flag, an unreadable file, a missing setting, or
     TLS refused: --ca is not the CA of the broker's certificate, or the broker does not
     accept the client certificate (--cert, --key)
  3  audit verification failed (`audit verify`: a broken chain, or --expect-head not found)
  4  could not reach the broker (UNAVAILABLE or DEADLINE_EXCEEDED while connecting)

With --json, an error is one line of JSON on stderr, after any progress notes there:
  {"code":"NOT_FOUND","message":"...","request_id":"req_...","exit_code":1}
(request_id is null when no broker answered); stdout holds only responses.

Examples:
  throughcare --dev-dir ./dev --agency probation --user jsmith --role probation_officer \
      --purpose offender_management subject resolve --crn X123456
  export THROUGHCARE_PROFILE=~/throughcare/prison.yaml THROUGHCARE_PURPOSE=resettlement
  throughcare record list 0f8b2c6e --json)";

// gRPC's own log lines repeat what the error message says; keep them only when asked for.
void QuietGrpcLogs() {
  if (std::getenv("GRPC_VERBOSITY") == nullptr && std::getenv("GRPC_TRACE") == nullptr) {
    gpr_set_log_function([](gpr_log_func_args*) {});
  }
}

// Whether --json was given, for errors found before the command line is parsed.
bool AskedForJson(int argc, char** argv) {
  for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) {
    if (std::string(argv[i]) == "--json") return true;
  }
  return false;
}

// Prints an error on stderr, as text or (--json) as one line of JSON; returns the exit code.
int PrintError(const absl::Status& status, bool json) {
  if (status.ok()) return kExitOk;
  if (json) {
    std::cerr << ErrorJson(status) << "\n";
  } else {
    std::cerr << DescribeError(status) << "\n";
    const std::string request_id = RequestIdOf(status);
    if (!request_id.empty()) std::cerr << "request id: " << request_id << "\n";
  }
  return ExitCodeFor(status);
}

// Connection, practitioner and output options, given before or after the subcommand.
void AddGlobalOptions(CLI::App& app, GlobalOptions& global) {
  SettingInputs& in = global.settings;
  const char* kConn = "Connection";
  const char* kWho = "Practitioner";
  const char* kOut = "Request and output";
  app.add_option("--server", in.server, "broker address, host:port")
      ->type_name("HOST:PORT")
      ->envname("THROUGHCARE_SERVER")
      ->group(kConn);
  app.add_option("--ca", in.ca, "PEM file of the CA that issued the broker's certificate")
      ->type_name("FILE")
      ->envname("THROUGHCARE_CA")
      ->group(kConn);
  app.add_option("--cert", in.cert, "PEM client certificate of this agency system")
      ->type_name("FILE")
      ->envname("THROUGHCARE_CERT")
      ->group(kConn);
  app.add_option("--key", in.key, "PEM private key of the client certificate")
      ->type_name("FILE")
      ->envname("THROUGHCARE_KEY")
      ->group(kConn);
  app.add_option("--profile", in.profile, "profile file (YAML) with the settings above")
      ->type_name("FILE")
      ->envname("THROUGHCARE_PROFILE")
      ->group(kConn);
  app.add_option("--dev-dir", in.dev_dir,
                 "a `throughcared --dev` directory; uses DIR/profiles/<agency>.yaml")
      ->type_name("DIR")
      ->envname("THROUGHCARE_DEV_DIR")
      ->group(kConn);
  app.add_option("--token", in.token, "a ready-made practitioner assertion (JWT)")
      ->type_name("JWT")
      ->envname("THROUGHCARE_TOKEN")
      ->group(kWho);
  app.add_option("--identity-key", in.identity_key,
                 "PEM private key of the agency's identity provider, to mint assertions")
      ->type_name("FILE")
      ->envname("THROUGHCARE_IDENTITY_KEY")
      ->group(kWho);
  app.add_option("--agency", in.agency, "agency id (assertion issuer; picks the dev profile)")
      ->type_name("ID")
      ->envname("THROUGHCARE_AGENCY")
      ->group(kWho);
  app.add_option("--user", in.user, "practitioner's user id")
      ->type_name("ID")
      ->envname("THROUGHCARE_USER")
      ->group(kWho);
  app.add_option("--role", in.role, "practitioner's role, e.g. probation_officer")
      ->type_name("ROLE")
      ->envname("THROUGHCARE_ROLE")
      ->group(kWho);
  app.add_option("--purpose", global.purpose,
                 "purpose of use, e.g. direct_care (audit, review, policy: default audit)")
      ->type_name("PURPOSE")
      ->envname("THROUGHCARE_PURPOSE")
      ->group(kOut);
  app.add_option("--request-id", in.request_id,
                 "x-request-id for the call(s), 1-64 of [A-Za-z0-9._-]")
      ->type_name("ID")
      ->group(kOut);
  app.add_flag("--json", global.json,
               "print responses as JSON (proto field names) on stdout, and errors as a JSON "
               "object on stderr")
      ->group(kOut);
}

// Every command group, in the order `throughcare --help` lists them.
void RegisterCommands(CLI::App& app, CommandContext& ctx) {
  RegisterTokenCommands(app, ctx);
  RegisterSubjectCommands(app, ctx);
  RegisterRecordCommands(app, ctx);
  RegisterEraseCommands(app, ctx);
  RegisterAuditCommands(app, ctx);
  RegisterReviewCommands(app, ctx);
  RegisterConsentCommands(app, ctx);
  RegisterRelationshipCommands(app, ctx);
  RegisterCheckCommand(app, ctx);
  RegisterMessageCommands(app, ctx);
  RegisterReferralCommands(app, ctx);
  RegisterReportCommands(app, ctx);
  RegisterPolicyCommands(app, ctx);
  RegisterHealthCommand(app, ctx);
  RegisterBenchCommand(app, ctx);
}

int Run(int argc, char** argv) {
  QuietGrpcLogs();
  GlobalOptions global;
  CommandContext ctx;  // outlives `app`, whose subcommands' callbacks refer to it

  CLI::App app(
      "Throughcare: continuity-of-care records shared between criminal justice, health "
      "and local authority agencies.",
      "throughcare");
  app.fallthrough();  // global options may follow the subcommand
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand and exit");
  app.set_version_flag("--version", VersionLine("throughcare"),
                       "Print the version and the commit it was built from, and exit");
  app.footer(kTopFooter);
  app.get_formatter()->column_width(34);
  AddGlobalOptions(app, global);
  RegisterCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && AskedForJson(argc, argv)) {
      return PrintError(absl::InvalidArgumentError(e.what()), /*json=*/true);
    }
    const int code = app.exit(e);  // prints help, or the error with a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!ctx.action()) {
    return PrintError(absl::InvalidArgumentError("no command given (see throughcare --help)"),
                      global.json);
  }

  Session session(std::move(global), std::cout, std::cerr);
  const absl::Status status = ctx.action()(session);
  std::cout.flush();
  return PrintError(status, session.json());
}

}  // namespace
}  // namespace throughcare::client

int main(int argc, char** argv) { return throughcare::client::Run(argc, argv); }
