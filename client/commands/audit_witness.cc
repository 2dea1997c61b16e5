// `throughcare audit witness`: an agency's witness. Each round fetches the log's latest
// checkpoint, checks it is consistent with the one accepted last (kept in a state file), cosigns
// it with the agency's witness key and sends the cosignature to the broker. A checkpoint that is
// not consistent is refused: nothing is cosigned, the state is kept, and the command exits 3.
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/core/files.h"
#include "absl/time/clock.h"
#include "client/audit_verify.h"
#include "client/commands/commands.h"

namespace throughcare::client {
namespace {

struct WitnessFlags {
  AuditTrustFlags trust;
  std::string state;
  std::string name;
  std::string key;
  std::string interval;  // empty: once
  int count = 0;         // rounds with --interval; 0: until stopped
};

// The accepted checkpoint; "" when the file does not exist yet (first use).
absl::StatusOr<std::string> ReadState(const std::string& path) {
  if (!std::ifstream(path).good()) return std::string();
  return ReadFile(path);
}

// Replaces the state file whole (write, then rename), so a crash leaves the old or the new.
absl::Status WriteState(const std::string& path, const std::string& note) {
  const std::string temp = path + ".tmp";
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  out << note;
  out.close();
  if (!out || std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("--state: cannot write ", path));
  }
  return absl::OkStatus();
}

absl::Status Round(Session& session, const WitnessFlags& f, const AuditTrust& trust,
                   const std::string& name, const crypto::Ed25519PrivateKey& key) {
  ASSIGN_OR_RETURN(std::string state, ReadState(f.state));
  ASSIGN_OR_RETURN(std::string purpose, session.purpose(kAuditPurpose));
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  ASSIGN_OR_RETURN(WitnessResult r,
                   WitnessOnce(*connection, purpose, trust, state, name, key, absl::Now()));
  RETURN_IF_ERROR(WriteState(f.state, r.state));
  session.out() << "cosigned the checkpoint of " << r.checkpoint.size << " entries as " << name;
  if (r.previous_size < 0) {
    session.out() << " (first use: trusted as it is)\n";
  } else {
    session.out() << " (consistent with the " << r.previous_size << " accepted before)\n";
  }
  session.out().flush();
  return absl::OkStatus();
}

absl::Status Witness(Session& session, const WitnessFlags& f) {
  ASSIGN_OR_RETURN(AuditTrust trust, ResolveAuditTrust(session, f.trust));
  ASSIGN_OR_RETURN(const ConnectionSettings* settings, session.settings());
  const std::string name = f.name.empty() ? settings->witness_name : f.name;
  const std::string key_file = f.key.empty() ? settings->witness_key_file : f.key;
  if (name.empty() || key_file.empty()) {
    return absl::FailedPreconditionError(
        "missing setting: the witness's name and key: give --witness-name and --witness-key "
        "(or 'witness_name:' and 'witness_key:' in a profile)");
  }
  ASSIGN_OR_RETURN(std::string pem, ReadFile(key_file));
  absl::StatusOr<std::unique_ptr<crypto::Ed25519PrivateKey>> key =
      crypto::Ed25519PrivateKey::FromPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--witness-key ", key_file, ": ",
                                                   key.status().message()));
  }
  if (f.interval.empty()) return Round(session, f, trust, name, **key);
  ASSIGN_OR_RETURN(absl::Duration every, ParseDurationFlag("--interval", f.interval));
  for (int round = 1; f.count == 0 || round <= f.count; ++round) {
    absl::Status done = Round(session, f, trust, name, **key);
    // A refusal ends the loop; a broker out of reach is tried again next round.
    if (!done.ok() && OriginOf(done) != ErrorOrigin::kUnreachable) return done;
    if (!done.ok()) session.err() << DescribeError(done) << "\n";
    if (f.count == 0 || round < f.count) absl::SleepFor(every);
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterAuditWitnessCommand(CLI::App& audit, CommandContext& ctx) {
  WitnessFlags& f = ctx.Keep<WitnessFlags>();
  CLI::App* w = audit.add_subcommand(
      "witness", "Check the log's latest checkpoint against the last one accepted, and cosign it");
  w->add_option("--state", f.state, "the file keeping the checkpoint accepted last")
      ->required()
      ->type_name("FILE");
  AddAuditTrustFlags(*w, f.trust);
  w->add_option("--witness-name", f.name,
                "the witness's key name; default: the profile's witness_name")
      ->type_name("NAME");
  w->add_option("--witness-key", f.key,
                "the witness's Ed25519 private key (PEM); default: the profile's witness_key")
      ->type_name("FILE");
  w->add_option("--interval", f.interval, "repeat every DURATION instead of once")
      ->type_name("DURATION");
  w->add_option("--count", f.count, "with --interval, stop after N rounds")->type_name("N");
  w->footer(Footer(
      "throughcare --agency probation-east --user witness --role witness audit witness "
      "--state witness.state",
      "Once (for cron) or in a loop. Exits 3, cosigning nothing, when the latest checkpoint is\n"
      "not consistent with the one accepted last (the log was rewritten or cut short), and says\n"
      "what it saw. The first run trusts the checkpoint it finds."));
  ctx.OnRun(w, [&f](Session& s) { return Witness(s, f); });
}

}  // namespace throughcare::client
