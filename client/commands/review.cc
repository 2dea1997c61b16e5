// `throughcare review`: the break-glass review queue (auditors).
#include <string>

#include "absl/strings/ascii.h"
#include "client/commands/commands.h"
#include "throughcare/v1/audit.grpc.pb.h"

namespace throughcare::client {
namespace {

// Open items (or, with `include_closed`, all of them).
absl::Status ReviewList(Session& session, bool include_closed) {
  v1::ListReviewItemsRequest request;
  request.set_include_closed(include_closed);
  ASSIGN_OR_RETURN(v1::ListReviewItemsResponse all,
                   CollectPages<v1::ListReviewItemsResponse>(
                       request, /*all=*/true,
                       [&](v1::ListReviewItemsRequest& r) {
                         return CallService<v1::AuditService>(
                             session, r, &v1::AuditService::Stub::ListReviewItems, kAuditPurpose);
                       },
                       [](v1::ListReviewItemsResponse& r) { return r.mutable_items(); }));
  if (session.json()) return PrintJson(session, all);
  if (all.items().empty()) {
    session.err() << (include_closed ? "no break-glass review items\n"
                                     : "no open break-glass review items\n");
    return absl::OkStatus();
  }
  session.out() << RenderReviewItems(all.items());
  return absl::OkStatus();
}

// An auditor's outcome for one item: "justified", "not-justified" or "referred".
absl::Status ReviewClose(Session& session, const std::string& review_id, const std::string& outcome,
                         const std::string& note) {
  v1::CloseReviewItemRequest request;
  request.set_review_id(review_id);
  if (outcome == "justified") {
    request.set_outcome(v1::REVIEW_OUTCOME_JUSTIFIED);
  } else if (outcome == "not-justified") {
    request.set_outcome(v1::REVIEW_OUTCOME_NOT_JUSTIFIED);
  } else if (outcome == "referred") {
    request.set_outcome(v1::REVIEW_OUTCOME_REFERRED);
  } else {
    return absl::InvalidArgumentError("--outcome: must be justified, not-justified or referred");
  }
  if (absl::StripAsciiWhitespace(note).empty()) {
    return absl::InvalidArgumentError("--note: required; say why you reached the outcome");
  }
  request.set_note(note);
  return CallAndPrint<v1::AuditService>(session, request, &v1::AuditService::Stub::CloseReviewItem,
                                        RenderReviewItem, kAuditPurpose);
}


// The flags of the review subcommands.
struct ReviewFlags {
  bool all = false;
  std::string review_id;
  std::string outcome;
  std::string note;
};

}  // namespace

void RegisterReviewCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* review =
      app.add_subcommand("review", "Review break-glass accesses (auditors; purpose audit)");
  review->require_subcommand(1);
  review->footer(Footer("throughcare review list"));
  ReviewFlags& f = ctx.Keep<ReviewFlags>();
  CLI::App* list = review->add_subcommand("list", "List break-glass accesses awaiting review");
  list->add_flag("--all", f.all, "include closed items");
  list->footer(
      Footer("throughcare --agency ig-office --user auditor-1 --role auditor review list"));
  ctx.OnRun(list, [&f](Session& s) { return ReviewList(s, f.all); });

  CLI::App* close = review->add_subcommand("close", "Record the outcome of a break-glass review");
  close->add_option("REVIEW_ID", f.review_id, "the review item's id")->required();
  close->add_option("--outcome", f.outcome, "justified, not-justified or referred")
      ->type_name("OUTCOME")
      ->required()
      ->check(CLI::IsMember({"justified", "not-justified", "referred"}));
  close->add_option("--note", f.note, "why (required)")->type_name("TEXT")->required();
  close->footer(
      Footer("throughcare review close rev_51c2 --outcome justified --note 'Confirmed with the OM'",
             "The outcome is audited. A closed item cannot be reopened (FAILED_PRECONDITION)."));
  ctx.OnRun(close, [&f](Session& s) { return ReviewClose(s, f.review_id, f.outcome, f.note); });
}

}  // namespace throughcare::client
