// `throughcare audit`: query the access log. The commands that prove it was not altered are in
// audit_proofs.cc and audit_witness.cc.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/audit.grpc.pb.h"

namespace throughcare::client {
namespace {

struct AuditQueryArgs {
  std::string subject_id;
  std::string agency_id;
  std::string user_id;
  std::string action;
  std::string decision;  // "", "allow", "deny" or "none"
  std::string record_id;
  std::string access_purpose;
  std::string outcome;
  std::string basis;
  bool break_glass = false;
  std::string system_id;
  std::string from;      // RFC 3339, inclusive
  std::string until;     // RFC 3339, exclusive
  int limit = 0;         // page size; 0: the broker's default
  std::string page_token;
  bool all = false;  // follow next_page_token to the end
};

absl::Status AuditQuery(Session& session, const AuditQueryArgs& args) {
  v1::QueryAuditLogRequest request;
  request.set_subject_id(args.subject_id);
  request.set_agency_id(args.agency_id);
  request.set_user_id(args.user_id);
  request.set_action(args.action);
  if (args.decision == "allow") {
    request.set_decision(v1::DECISION_ALLOW);
  } else if (args.decision == "deny") {
    request.set_decision(v1::DECISION_DENY);
  } else if (args.decision == "none") {
    request.set_decision(v1::DECISION_NONE);
  } else if (!args.decision.empty()) {
    return absl::InvalidArgumentError("--decision: must be allow, deny or none");
  }
  request.set_record_id(args.record_id);
  request.set_access_purpose(args.access_purpose);
  request.set_outcome(args.outcome);
  request.set_basis_prefix(args.basis);
  request.set_break_glass_only(args.break_glass);
  request.set_system_id(args.system_id);
  if (!args.from.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_from_time(), ParseTimestampFlag("--from", args.from));
  }
  if (!args.until.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_until_time(), ParseTimestampFlag("--until", args.until));
  }
  request.mutable_page()->set_page_size(args.limit);
  request.mutable_page()->set_page_token(args.page_token);
  ASSIGN_OR_RETURN(*request.mutable_purpose(), session.purpose(kAuditPurpose));
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = v1::AuditService::NewStub(connection->channel());

  ASSIGN_OR_RETURN(
      v1::QueryAuditLogResponse all,
      CollectPages<v1::QueryAuditLogResponse>(
          request, args.all,
          [&](const v1::QueryAuditLogRequest& r) {
            return MakeUnaryCall<v1::QueryAuditLogResponse>(
                *connection,
                [&](auto* context, auto* out) { return stub->QueryAuditLog(context, r, out); });
          },
          [](v1::QueryAuditLogResponse& r) { return r.mutable_entries(); }));
  if (session.json()) return PrintJson(session, all);
  if (all.entries().empty()) {
    session.err() << "no matching audit entries\n";
  } else {
    session.out() << RenderAuditEntries(all.entries());
  }
  if (!all.next_page_token().empty()) {
    session.err() << "more entries match: pass --all, or --page-token " << all.next_page_token()
                  << "\n";
  }
  return absl::OkStatus();
}

void RegisterAuditQuery(CLI::App& audit, CommandContext& ctx) {
  AuditQueryArgs& query = ctx.Keep<AuditQueryArgs>();
  CLI::App* q = audit.add_subcommand("query", "Show audit entries matching all given filters");
  q->add_option("--subject", query.subject_id, "subject id")->type_name("ID");
  q->add_option("--by-agency", query.agency_id, "only accesses by this agency")->type_name("ID");
  q->add_option("--by-user", query.user_id, "only accesses by this practitioner")->type_name("ID");
  q->add_option("--action", query.action, "e.g. record.read, subject.register, audit.read")
      ->type_name("ACTION");
  q->add_option("--decision", query.decision,
                "allow, deny, or none (ended before any decision, e.g. malformed)")
      ->type_name("DECISION")
      ->check(CLI::IsMember({"allow", "deny", "none"}));
  q->add_option("--record", query.record_id, "only accesses to this record")->type_name("ID");
  q->add_option("--access-purpose", query.access_purpose,
                "only calls that declared this purpose of use")
      ->type_name("PURPOSE");
  q->add_option("--outcome", query.outcome,
                "only replies with this status, e.g. INVALID_ARGUMENT (with --decision none: "
                "malformed requests)")
      ->type_name("CODE");
  q->add_option("--basis", query.basis,
                "only accesses whose lawful basis starts with this, e.g. consent, "
                "\"statutory basis\"")
      ->type_name("TEXT");
  q->add_flag("--break-glass", query.break_glass, "only accesses allowed by break-glass");
  q->add_option("--by-system", query.system_id, "only calls from this agency system")
      ->type_name("ID");
  q->add_option("--from", query.from,
                "RFC 3339 time or date (midnight UTC), inclusive, e.g. 2024-05-01T09:00:00Z")
      ->type_name("TIME");
  q->add_option("--until", query.until, "RFC 3339 time or date, exclusive")->type_name("TIME");
  q->add_option("--limit", query.limit, "entries per page, 1-1000 (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  q->add_option("--page-token", query.page_token, "continue from a previous page")
      ->type_name("TOKEN");
  q->add_flag("--all", query.all, "fetch every page");
  q->footer(Footer("throughcare audit query --subject sub_3f9a0c1d2e --decision deny --all"));
  ctx.OnRun(q, [&query](Session& s) { return AuditQuery(s, query); });
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* audit = app.add_subcommand(
      "audit", "Query the audit log, and prove (to anyone) that it was not altered");
  audit->require_subcommand(1);
  audit->footer(Footer("throughcare audit query --subject sub_3f9a0c1d2e --all"));
  RegisterAuditQuery(*audit, ctx);
  RegisterAuditPersonCommand(*audit, ctx);
  RegisterAuditProofCommands(*audit, ctx);
  RegisterAuditWitnessCommand(*audit, ctx);
}

}  // namespace throughcare::client
