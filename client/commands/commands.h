// The `throughcare` CLI's command groups. Each group (subject, relationship, consent, record,
// check, message, referral, report, audit, review, policy, token, health, bench) lives in its own
// file here with one registration function, which declares the group's subcommands, flags, help
// texts and examples on the command line and what each subcommand does. main.cc declares the
// global options, calls the registration functions in the order `throughcare --help` lists the
// groups, parses, and runs the chosen subcommand.
//
// A subcommand's action returns OK or an error whose origin (see client/connection.h) decides
// the exit code.
#ifndef THROUGHCARE_CLIENT_COMMANDS_COMMANDS_H_
#define THROUGHCARE_CLIENT_COMMANDS_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/audit_verify.h"
#include "client/commands/session.h"

namespace throughcare::client {

// The purpose of use of the audit, review and policy commands when --purpose is not given.
inline constexpr char kAuditPurpose[] = "audit";

// What a subcommand does once the command line is parsed.
using Action = std::function<absl::Status(Session&)>;

// What the registration functions share while the command line is declared and parsed: the
// values the parser writes to, and the subcommand chosen. Not thread-safe. It must outlive the
// CLI::App the subcommands are declared on.
class CommandContext final {
 public:
  CommandContext() = default;
  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  // A value for the parser to write to (bound to options and positionals) and an action to read,
  // kept as long as the context.
  template <typename T>
  T& Keep(T initial = T()) {
    auto value = std::make_shared<T>(std::move(initial));
    kept_.push_back(value);
    return *value;
  }

  // Makes `action` the one to run if `command` is the subcommand given.
  void OnRun(CLI::App* command, Action action);

  // The action of the subcommand given; empty if none was.
  const Action& action() const { return action_; }

 private:
  std::vector<std::shared_ptr<void>> kept_;
  Action action_;
};

// Footer of every subcommand: its example, any notes, and where the global options are.
std::string Footer(const std::string& example, const std::string& notes = "");

// Whole numbers from 1 up (CLI::PositiveNumber prints an unreadable range).
const CLI::Validator& AtLeastOne();

// Parses a duration flag such as "15m" or "1h30m"; InvalidArgument naming `flag` unless it is
// positive.
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag, const std::string& text);

// The groups, in the order `throughcare --help` lists them.
void RegisterTokenCommands(CLI::App& app, CommandContext& ctx);
void RegisterSubjectCommands(CLI::App& app, CommandContext& ctx);
void RegisterRecordCommands(CLI::App& app, CommandContext& ctx);
void RegisterEraseCommands(CLI::App& app, CommandContext& ctx);

struct IdentifierFlags;
// The person a command names: `subject_id` (--subject), or the one agency identifier given,
// resolved by the broker for `purpose` (the lookup is audited). InvalidArgument for both or none.
absl::StatusOr<std::string> SubjectIdFrom(Session& session, const IdentifierFlags& ids,
                                          const std::string& subject_id,
                                          absl::string_view purpose);
void RegisterAuditCommands(CLI::App& app, CommandContext& ctx);
// Within `audit`: verify, checkpoint, prove, check-proof (audit_proofs.cc); witness
// (audit_witness.cc). They trust the keys --log-key and --witness-keys give, else the profile's.
struct AuditTrustFlags {
  std::string log_key;
  std::string witness_keys;
};
void AddAuditTrustFlags(CLI::App& command, AuditTrustFlags& flags);
absl::StatusOr<AuditTrust> ResolveAuditTrust(Session& session, const AuditTrustFlags& flags);
void RegisterAuditProofCommands(CLI::App& audit, CommandContext& ctx);
void RegisterAuditWitnessCommand(CLI::App& audit, CommandContext& ctx);
void RegisterAuditPersonCommand(CLI::App& audit, CommandContext& ctx);  // audit_person.cc
void RegisterReviewCommands(CLI::App& app, CommandContext& ctx);
void RegisterConsentCommands(CLI::App& app, CommandContext& ctx);
void RegisterRelationshipCommands(CLI::App& app, CommandContext& ctx);
void RegisterCheckCommand(CLI::App& app, CommandContext& ctx);
void RegisterMessageCommands(CLI::App& app, CommandContext& ctx);
void RegisterReferralCommands(CLI::App& app, CommandContext& ctx);
void RegisterReportCommands(CLI::App& app, CommandContext& ctx);
void RegisterPolicyCommands(CLI::App& app, CommandContext& ctx);
void RegisterDiscoverCommands(CLI::App& app, CommandContext& ctx);  // whoami, directory
void RegisterHealthCommand(CLI::App& app, CommandContext& ctx);
void RegisterBenchCommand(CLI::App& app, CommandContext& ctx);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_COMMANDS_COMMANDS_H_
