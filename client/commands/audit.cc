// `throughcare audit`: query the access log, and verify its hash chain on this machine.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/audit_entry.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "services/audit/chain.h"
#include "throughcare/audit.h"
#include "throughcare/v1/audit.grpc.pb.h"

namespace throughcare::client {
namespace {

constexpr int64_t kVerifyProgressEvery = 10000;

struct AuditQueryArgs {
  std::string subject_id;
  std::string agency_id;
  std::string user_id;
  std::string action;
  std::string decision;  // "", "allow" or "deny"
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
  } else if (!args.decision.empty()) {
    return absl::InvalidArgumentError("--decision: must be allow or deny");
  }
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

// An audit log head an auditor kept from an earlier verification: entry `seq` had hash `hash`.
struct AuditHead {
  int64_t seq = 0;
  std::string hash;  // 64 lowercase hex digits
};

// Parses "SEQ:HASH" as printed by `audit verify` ("head SEQ:HASH"). InvalidArgument naming
// --expect-head otherwise.
absl::StatusOr<AuditHead> ParseAuditHead(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  AuditHead head;
  bool ok = parts.size() == 2 && absl::SimpleAtoi(parts[0], &head.seq) && head.seq >= 0 &&
            parts[1].size() == 64;
  if (ok) {
    head.hash = absl::AsciiStrToLower(parts[1]);
    for (char c : head.hash) ok = ok && absl::ascii_isxdigit(static_cast<unsigned char>(c));
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--expect-head: '", text,
        "' is not SEQ:HASH (an entry number and its 64 hex digit hash, as printed by an earlier "
        "`audit verify` in its \"head SEQ:HASH\" line)"));
  }
  return head;
}

// Streams the whole log and checks its hash chain; with `expect_head`, also that the log still
// holds that entry with that hash (a chain alone cannot show that its newest entries were cut
// off or rewritten). Errors from either check are kVerification.
absl::Status AuditVerify(Session& session, absl::Duration timeout,
                         const std::optional<AuditHead>& expect_head) {
  v1::ExportAuditLogRequest request;
  request.set_after_seq(0);
  ASSIGN_OR_RETURN(*request.mutable_purpose(), session.purpose(kAuditPurpose));
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = v1::AuditService::NewStub(connection->channel());
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context, connection->NewContext(timeout));

  audit::ChainVerifier verifier;
  // The hash the log holds for the kept head's entry, once streamed past it.
  std::optional<std::string> kept_entry_hash;
  if (expect_head.has_value() && expect_head->seq == 0) kept_entry_hash = audit::kGenesisHash;
  std::unique_ptr<grpc::ClientReader<v1::AuditEntry>> reader =
      stub->ExportAuditLog(context.get(), request);
  v1::AuditEntry proto;
  absl::Status chain;
  while (chain.ok() && reader->Read(&proto)) {
    absl::StatusOr<AuditEntry> entry = AuditEntryFromProto(proto);
    chain = entry.ok() ? verifier.Add(*entry) : entry.status();
    if (chain.ok() && expect_head.has_value() && proto.seq() == expect_head->seq) {
      kept_entry_hash = proto.hash();
    }
    if (chain.ok() && verifier.verified() % kVerifyProgressEvery == 0) {
      session.err() << "verified " << verifier.verified() << " entries\n";
    }
  }
  if (!chain.ok()) {
    context->TryCancel();
    reader->Finish().IgnoreError();
    return MarkOrigin(chain, ErrorOrigin::kVerification);
  }
  RETURN_IF_ERROR(connection->Finish(*context, reader->Finish()));

  // The chain holds together; now it must still reach the kept head, unchanged. Seqs have no
  // gaps (the verifier checks), so the last seq is the number of entries.
  const int64_t head_seq = verifier.verified();
  if (expect_head.has_value()) {
    const std::string kept = absl::StrCat(expect_head->seq, ":", expect_head->hash);
    if (!kept_entry_hash.has_value()) {
      return MarkOrigin(
          absl::DataLossError(absl::StrCat(
              "audit entry ", expect_head->seq, ": missing; the log ends at entry ", head_seq,
              " but the kept head is ", kept, " (the newest entries were deleted)")),
          ErrorOrigin::kVerification);
    }
    if (*kept_entry_hash != expect_head->hash) {
      return MarkOrigin(
          absl::DataLossError(absl::StrCat("audit entry ", expect_head->seq, ": hash is ",
                                           *kept_entry_hash, " but the kept head is ", kept,
                                           " (the log was rewritten at or before this entry)")),
          ErrorOrigin::kVerification);
    }
  }

  const std::string head = absl::StrCat(head_seq, ":", verifier.head_hash());
  if (session.json()) {
    session.out() << "{\n  \"verified_entries\": " << verifier.verified()
                  << ",\n  \"head_hash\": \"" << verifier.head_hash() << "\",\n  \"head\": \""
                  << head << "\"";
    if (expect_head.has_value()) {
      session.out() << ",\n  \"expected_head\": \"" << expect_head->seq << ":" << expect_head->hash
                    << "\"";
    }
    session.out() << "\n}\n";
  } else {
    session.out() << "audit log verified: " << verifier.verified() << " entries, head "
                  << verifier.head_hash() << "\n";
    if (expect_head.has_value()) {
      session.out() << "kept head " << expect_head->seq << ":" << expect_head->hash
                    << " is still in the log\n";
    }
    session.out() << "head " << head << "\n";
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
  q->add_option("--decision", query.decision, "allow or deny")
      ->type_name("DECISION")
      ->check(CLI::IsMember({"allow", "deny"}));
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

// The flags of `audit verify`.
struct VerifyFlags {
  std::string timeout = "10m";
  std::string expect_head;
};

void RegisterAuditVerify(CLI::App& audit, CommandContext& ctx) {
  VerifyFlags& f = ctx.Keep<VerifyFlags>();
  CLI::App* verify =
      audit.add_subcommand("verify", "Download the whole audit log and check its hash chain");
  verify->add_option("--timeout", f.timeout, "deadline for the whole download")
      ->type_name("DURATION")
      ->capture_default_str();
  verify
      ->add_option("--expect-head", f.expect_head,
                   "also require entry SEQ with exactly this hash (a head kept from an "
                   "earlier run)")
      ->type_name("SEQ:HASH");
  verify->footer(Footer(
      "throughcare audit verify --expect-head \"$(cat last-head)\"",
      "Prints \"audit log verified: N entries, head <hash>\" and then \"head SEQ:HASH\"; exits 3\n"
      "naming the first entry that does not verify. Progress goes to stderr.\n\n"
      "A hash chain shows that no entry was changed, removed or reordered, but not that the\n"
      "newest entries were cut off or that the whole log was rewritten. Keep the head line of\n"
      "each run somewhere the broker's operators cannot change, and give it next time:\n"
      "  throughcare audit verify --expect-head 1042:9f86d081884c7d65...\n"
      "verification then also fails (exit 3, naming SEQ) unless the log still holds entry SEQ\n"
      "with exactly that hash. To keep the new head:\n"
      "  throughcare audit verify | sed -n 's/^head //p' > last-head"));
  ctx.OnRun(verify, [&f](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(absl::Duration d, ParseDurationFlag("--timeout", f.timeout));
    std::optional<AuditHead> head;
    if (!f.expect_head.empty()) {
      ASSIGN_OR_RETURN(head, ParseAuditHead(f.expect_head));
    }
    return AuditVerify(s, d, head);
  });
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* audit = app.add_subcommand("audit", "Query and verify the audit log");
  audit->require_subcommand(1);
  audit->footer(Footer("throughcare audit query --subject sub_3f9a0c1d2e --all"));
  RegisterAuditQuery(*audit, ctx);
  RegisterAuditVerify(*audit, ctx);
}

}  // namespace throughcare::client
