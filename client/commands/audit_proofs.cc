// `throughcare audit verify|checkpoint|prove|check-proof`: checking the log against the
// checkpoints the broker signed, trusting only the log's public key (and witnesses' keys).
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "services/core/files.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/audit_verify.h"
#include "client/commands/commands.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/proof_bundle.h"
#include "throughcare/v1/audit.grpc.pb.h"

namespace throughcare::client {
namespace {

// Writes `text` to `path`, or to standard output for "" or "-".
absl::Status WriteOut(Session& session, const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    session.out() << text;
    return absl::OkStatus();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  session.err() << "wrote " << path << "\n";
  return absl::OkStatus();
}

std::string Cosigners(const audit::OpenedCheckpoint& c) {
  std::vector<std::string> names;
  for (const auto& cs : c.cosignatures) names.push_back(cs.witness);
  return names.empty() ? "no trusted witness" : absl::StrJoin(names, ", ");
}

struct VerifyFlags {
  AuditTrustFlags trust;
  std::string checkpoint;  // a file holding a checkpoint kept from before
  int witnesses = 0;
  std::string timeout = "1h";
};

absl::Status Verify(Session& session, const VerifyFlags& f) {
  ASSIGN_OR_RETURN(absl::Duration timeout, ParseDurationFlag("--timeout", f.timeout));
  ASSIGN_OR_RETURN(AuditTrust trust, ResolveAuditTrust(session, f.trust));
  std::string earlier;
  if (!f.checkpoint.empty()) {
    ASSIGN_OR_RETURN(earlier, ReadFile(f.checkpoint));
  }
  ASSIGN_OR_RETURN(std::string purpose, session.purpose(kAuditPurpose));
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  ASSIGN_OR_RETURN(VerifyResult r, VerifyAuditLog(*connection, purpose, trust, earlier,
                                                  f.witnesses, timeout, &session.err()));
  const audit::Checkpoint& c = r.checkpoint.checkpoint;
  if (session.json()) {
    session.out() << "{\n  \"verified_entries\": " << c.size << ",\n  \"root_hash\": \""
                  << absl::Base64Escape(c.root) << "\",\n  \"origin\": \"" << c.origin
                  << "\",\n  \"cosigned_by\": " << r.checkpoint.cosignatures.size();
    if (r.earlier.has_value()) session.out() << ",\n  \"consistent_with\": " << r.earlier->size;
    session.out() << "\n}\n";
    return absl::OkStatus();
  }
  session.out() << "audit log verified: " << c.size << " entries hash to the root "
                << absl::Base64Escape(c.root) << " signed by " << c.origin << "\n"
                << "cosigned by " << Cosigners(r.checkpoint) << "\n";
  if (r.earlier.has_value()) {
    session.out() << "the checkpoint kept from before (" << r.earlier->size
                  << " entries) is a prefix of it\n";
  }
  return absl::OkStatus();
}

void RegisterVerify(CLI::App& audit, CommandContext& ctx) {
  VerifyFlags& f = ctx.Keep<VerifyFlags>();
  CLI::App* v = audit.add_subcommand(
      "verify", "Download the log and check it against the checkpoint the broker signed");
  AddAuditTrustFlags(*v, f.trust);
  v->add_option("--checkpoint", f.checkpoint,
                "also check the log against a checkpoint kept from before (from `audit "
                "checkpoint`): it must be a prefix of today's")
      ->type_name("FILE");
  v->add_option("--witnesses", f.witnesses,
                "require this many valid cosignatures by the witnesses in --witness-keys")
      ->type_name("N");
  v->add_option("--timeout", f.timeout, "deadline for the whole download")
      ->type_name("DURATION")
      ->capture_default_str();
  v->footer(Footer(
      "throughcare audit verify --checkpoint kept.checkpoint --witnesses 2",
      "Recomputes the Merkle tree over every entry on this machine and compares it with the\n"
      "root the broker signed (exit 3 if they differ, naming what does not match). Keep a\n"
      "checkpoint somewhere the broker's operators cannot change it, and give it next time:\n"
      "  throughcare audit checkpoint > kept.checkpoint\n"
      "a log rewritten or cut short since then fails, even with every hash recomputed."));
  ctx.OnRun(v, [&f](Session& s) { return Verify(s, f); });
}

struct CheckpointFlags {
  AuditTrustFlags trust;
  int64_t size = 0;
  std::string out;
};

void RegisterCheckpoint(CLI::App& audit, CommandContext& ctx) {
  CheckpointFlags& f = ctx.Keep<CheckpointFlags>();
  CLI::App* c = audit.add_subcommand("checkpoint", "Print the latest signed checkpoint");
  AddAuditTrustFlags(*c, f.trust);
  c->add_option("--size", f.size, "the checkpoint of this tree size instead")->type_name("N");
  c->add_option("--out", f.out, "write it to FILE")->type_name("FILE");
  c->footer(Footer("throughcare audit checkpoint > kept.checkpoint",
                   "The C2SP signed note, as served, with the witnesses' cosignatures; its\n"
                   "signature is checked with the log key before it is printed."));
  ctx.OnRun(c, [&f](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(AuditTrust trust, ResolveAuditTrust(s, f.trust));
    ASSIGN_OR_RETURN(std::string purpose, s.purpose(kAuditPurpose));
    ASSIGN_OR_RETURN(const Connection* connection, s.connection());
    ASSIGN_OR_RETURN(audit::OpenedCheckpoint opened,
                     FetchCheckpoint(*connection, purpose, f.size, trust));
    return WriteOut(s, f.out, audit::FormatNote(opened.note));
  });
}

struct ProveFlags {
  int64_t seq = 0;
  std::string out;
};

void RegisterProve(CLI::App& audit, CommandContext& ctx) {
  ProveFlags& f = ctx.Keep<ProveFlags>();
  CLI::App* p = audit.add_subcommand(
      "prove", "Write an offline proof that an entry is in the log (a C2SP tlog-proof)");
  p->add_option("seq", f.seq, "the entry's seq")->required()->type_name("SEQ");
  p->add_option("--out", f.out, "write it to FILE")->type_name("FILE");
  p->footer(Footer("throughcare audit prove 1042 --out entry-1042.tlog-proof",
                   "The bundle holds the entry, its inclusion proof and the signed checkpoint;\n"
                   "`audit check-proof` checks it with no broker."));
  ctx.OnRun(p, [&f](Session& s) -> absl::Status {
    v1::GetProofBundleRequest req;
    req.set_seq(f.seq);
    ASSIGN_OR_RETURN(v1::ProofBundle bundle,
                     CallService<v1::AuditService>(s, req, &v1::AuditService::Stub::GetProofBundle,
                                                   kAuditPurpose));
    return WriteOut(s, f.out, bundle.text());
  });
}

struct CheckProofFlags {
  AuditTrustFlags trust;
  std::string file;
  int witnesses = 0;
};

absl::Status CheckProof(Session& session, const CheckProofFlags& f) {
  ASSIGN_OR_RETURN(AuditTrust trust, ResolveAuditTrust(session, f.trust));
  ASSIGN_OR_RETURN(std::string text, ReadFile(f.file));
  absl::StatusOr<audit::VerifiedProof> proof = audit::VerifyProofBundle(text, trust.log,
                                                                        trust.witnesses);
  if (!proof.ok()) {
    return MarkOrigin(absl::Status(proof.status().code(),
                                   absl::StrCat(f.file, ": ", proof.status().message())),
                      absl::IsInvalidArgument(proof.status()) ? ErrorOrigin::kLocal
                                                              : ErrorOrigin::kVerification);
  }
  if (static_cast<int>(proof->checkpoint.cosignatures.size()) < f.witnesses) {
    return MarkOrigin(absl::UnauthenticatedError(absl::StrCat(
                          f.file, ": ", proof->checkpoint.cosignatures.size(),
                          " valid witness cosignatures, fewer than the ", f.witnesses,
                          " required")),
                      ErrorOrigin::kVerification);
  }
  const AuditEntry& e = proof->entry;
  session.out() << "proved: audit entry " << e.seq << " is in the log of "
                << proof->checkpoint.checkpoint.size << " entries signed by "
                << proof->checkpoint.checkpoint.origin << "\ncosigned by "
                << Cosigners(proof->checkpoint) << "\n\n"
                << "time      " << absl::FormatTime(absl::RFC3339_sec, e.time, absl::UTCTimeZone())
                << "\nwho       " << e.user_id << " (" << e.role << ") of " << e.agency_id
                << ", system " << e.system_id << "\naction    " << e.action << "\nperson    "
                << e.subject_id << "\nrecord    " << e.record_id << "\npurpose   " << e.purpose
                << "\ndecision  " << audit::DecisionName(e.decision) << ": " << e.reason
                << "\nbasis     " << e.basis << "\noutcome   " << e.outcome << "\n";
  if (!e.break_glass_reason.empty()) {
    session.out() << "break-glass " << e.break_glass_reason << "\n";
  }
  return absl::OkStatus();
}

void RegisterCheckProof(CLI::App& audit, CommandContext& ctx) {
  CheckProofFlags& f = ctx.Keep<CheckProofFlags>();
  CLI::App* c = audit.add_subcommand("check-proof",
                                     "Check a proof bundle offline, with no broker");
  c->add_option("file", f.file, "the .tlog-proof file")->required()->type_name("FILE");
  AddAuditTrustFlags(*c, f.trust);
  c->add_option("--witnesses", f.witnesses, "require this many valid witness cosignatures")
      ->type_name("N");
  c->footer(Footer("throughcare audit check-proof entry-1042.tlog-proof --log-key VKEY",
                   "Prints the entry it proves; exits 3 if the bundle does not verify."));
  ctx.OnRun(c, [&f](Session& s) { return CheckProof(s, f); });
}

}  // namespace

void AddAuditTrustFlags(CLI::App& command, AuditTrustFlags& flags) {
  command.add_option("--log-key", flags.log_key,
                     "the log's verifier key (a C2SP vkey); default: the profile's "
                     "audit_log_key")
      ->type_name("VKEY");
  command.add_option("--witness-keys", flags.witness_keys,
                     "a file of witnesses' verifier keys, one a line; default: the profile's "
                     "audit_witness_keys")
      ->type_name("FILE");
}

absl::StatusOr<AuditTrust> ResolveAuditTrust(Session& session, const AuditTrustFlags& flags) {
  std::string log_key = flags.log_key;
  std::string witness_keys = flags.witness_keys;
  if (log_key.empty() || witness_keys.empty()) {
    absl::StatusOr<const ConnectionSettings*> settings = session.settings();
    if (settings.ok()) {
      if (log_key.empty()) log_key = (*settings)->audit_log_key;
      if (witness_keys.empty()) witness_keys = (*settings)->audit_witness_keys_file;
    }
  }
  return LoadAuditTrust(log_key, witness_keys);
}

void RegisterAuditProofCommands(CLI::App& audit, CommandContext& ctx) {
  RegisterVerify(audit, ctx);
  RegisterCheckpoint(audit, ctx);
  RegisterProve(audit, ctx);
  RegisterCheckProof(audit, ctx);
}

}  // namespace throughcare::client
