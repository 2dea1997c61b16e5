// `throughcare token mint`: a practitioner assertion from the agency's identity key.
#include "absl/time/clock.h"
#include "client/commands/commands.h"

namespace throughcare::client {
namespace {

absl::Status TokenMint(Session& session, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--ttl: must be positive, e.g. 15m");
  }
  ASSIGN_OR_RETURN(const ConnectionSettings* settings, session.settings());
  ASSIGN_OR_RETURN(std::string token, MintPractitionerToken(*settings, absl::Now(), ttl));
  session.out() << token << "\n";
  return absl::OkStatus();
}

}  // namespace

void RegisterTokenCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* token = app.add_subcommand("token", "Practitioner assertions");
  token->require_subcommand(1);
  token->footer(Footer("throughcare token mint --ttl 1h"));
  std::string& ttl = ctx.Keep<std::string>("15m");
  CLI::App* mint = token->add_subcommand(
      "mint", "Print a practitioner assertion signed with the agency's identity key");
  mint->add_option("--ttl", ttl, "how long it is valid, e.g. 15m or 8h")
      ->type_name("DURATION")
      ->capture_default_str();
  mint->footer(Footer(
      "export THROUGHCARE_TOKEN=$(throughcare --dev-dir ./dev --agency prison --user a.jones "
      "--role carat_worker token mint --ttl 1h)"));
  ctx.OnRun(mint, [&ttl](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(absl::Duration d, ParseDurationFlag("--ttl", ttl));
    return TokenMint(s, d);
  });
}

}  // namespace throughcare::client
