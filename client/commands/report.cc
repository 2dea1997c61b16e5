// `throughcare report referrals`: the referral funnel for a period (counts only).
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/referrals.grpc.pb.h"

namespace throughcare::client {
namespace {

// `from` and `until` are dates (YYYY-MM-DD, midnight UTC) or RFC 3339 times; `until` empty:
// now. With `csv_file`, also writes the report there as CSV ("-": standard output instead of
// the table).
struct ReportReferralsArgs {
  std::string from;
  std::string until;
  std::string referral_type;
  bool by_receiving_agency = false;
  std::string csv_file;
};

absl::Status ReportReferrals(Session& session, const ReportReferralsArgs& args) {
  v1::GetReferralReportRequest request;
  ASSIGN_OR_RETURN(*request.mutable_from(), ParseTimestampFlag("--from", args.from));
  if (args.until.empty()) {
    *request.mutable_until() = ToTimestamp(absl::Now());
  } else {
    ASSIGN_OR_RETURN(*request.mutable_until(), ParseTimestampFlag("--until", args.until));
  }
  request.set_referral_type(args.referral_type);
  request.set_by_receiving_agency(args.by_receiving_agency);
  ASSIGN_OR_RETURN(v1::ReferralReport report,
                   CallService<v1::ReferralService>(session, request,
                                                    &v1::ReferralService::Stub::GetReferralReport,
                                                    "performance_reporting"));
  if (args.csv_file == "-") {
    session.out() << ReferralReportCsv(report);
    return absl::OkStatus();
  }
  if (!args.csv_file.empty()) {
    std::ofstream csv(args.csv_file, std::ios::binary | std::ios::trunc);
    csv << ReferralReportCsv(report);
    csv.close();
    if (!csv) {
      return absl::InvalidArgumentError(
          absl::StrCat("--csv: cannot write '", args.csv_file, "'"));
    }
    session.err() << "wrote " << report.rows_size() << " rows to " << args.csv_file << "\n";
  }
  return Print(session, report, RenderReferralReport);
}

}  // namespace

void RegisterReportCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* report = app.add_subcommand("report", "Performance reports (counts only)");
  report->require_subcommand(1);
  ReportReferralsArgs& args = ctx.Keep<ReportReferralsArgs>();
  CLI::App* referrals = report->add_subcommand(
      "referrals", "The referral funnel: referred, received, accepted, first contact, assessed, "
                   "engaged, with attrition and times");
  referrals
      ->add_option("--from", args.from,
                   "referrals made from this date (YYYY-MM-DD) or RFC 3339 time")
      ->type_name("DATE")
      ->required();
  referrals->add_option("--until", args.until, "until this date or time, exclusive "
                                               "(default: now)")
      ->type_name("DATE");
  referrals->add_option("--type", args.referral_type, "only one referral type")
      ->type_name("TYPE");
  referrals->add_flag("--by-agency", args.by_receiving_agency,
                      "one row per receiving agency instead of per home area");
  referrals
      ->add_option("--csv", args.csv_file,
                   "also write the report as CSV to FILE ('-': CSV on stdout instead)")
      ->type_name("FILE");
  referrals->footer(Footer(
      "throughcare --dev-dir ./dev --agency cjit-east --user mgr-1 --role team_manager \\\n"
      "      report referrals --from 2026-11-01 --until 2026-12-01 --csv funnel.csv",
      "Attrition at a stage is the percentage of those reaching the previous stage that did\n"
      "not reach it; times are hours from the referral. --purpose defaults to\n"
      "performance_reporting."));
  ctx.OnRun(referrals, [&args](Session& s) { return ReportReferrals(s, args); });
}

}  // namespace throughcare::client
