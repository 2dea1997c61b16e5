// The referral commands' output (declared in output.h): referrals, routing answers and the funnel
// report, as text and as CSV.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "client/output.h"

namespace throughcare::client {

std::string ReferralStateName(v1::ReferralState state) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::ReferralState_Name(state), "REFERRAL_STATE_"));
}

std::string RenderRecipient(const v1::ResolveRecipientResponse& recipient) {
  Table fields;
  fields.AddRow({"agency_id", recipient.agency_id()});
  fields.AddRow({"agency_name", OrDash(recipient.agency_name())});
  fields.AddRow({"contact", OrDash(recipient.contact())});
  return fields.Render();
}

std::string RenderReferral(const v1::Referral& r) {
  Table fields;
  fields.AddRow({"referral_id", r.referral_id()});
  fields.AddRow({"type", r.referral_type()});
  fields.AddRow(
      {"state", absl::StrCat(ReferralStateName(r.state()), r.overdue() ? " (OVERDUE)" : "")});
  fields.AddRow({"reason", OrDash(r.reason())});
  fields.AddRow({"subject_id", r.subject_id()});
  fields.AddRow({"home_area", OrDash(r.home_area())});
  fields.AddRow({"from", absl::StrCat(r.referring_agency(), " (", r.referring_user(), ")")});
  fields.AddRow({"to", absl::StrCat(r.receiving_agency(), ": ", r.contact())});
  fields.AddRow({"event_date", OrDash(r.event_date())});
  fields.AddRow({"note", OrDash(r.note())});
  fields.AddRow({"records", RecordReferences(r.records())});
  fields.AddRow({"message_id", OrDash(r.message_id())});
  fields.AddRow({"created_at", FormatTimestamp(r.created_at())});
  fields.AddRow({"updated_at", FormatTimestamp(r.updated_at())});
  std::string out = fields.Render();
  if (!r.deadlines().empty()) {
    Table deadlines(2);
    deadlines.AddRow({"DEADLINE", "REACH", "DUE", "MET", "ESCALATED", "SUPERVISOR"});
    for (const v1::ReferralDeadline& d : r.deadlines()) {
      deadlines.AddRow({d.name(), ReferralStateName(d.reach()), FormatTimestamp(d.due_at()),
                        FormatTimestamp(d.met_at()), FormatTimestamp(d.escalated_at()),
                        OrDash(d.supervisor_role())});
    }
    absl::StrAppend(&out, "deadlines:\n", deadlines.Render());
  }
  Table history(2);
  history.AddRow({"AT", "FROM", "TO", "BY", "REASON"});
  for (const v1::ReferralTransition& t : r.history()) {
    history.AddRow({FormatTimestamp(t.at()), ReferralStateName(t.from()), ReferralStateName(t.to()),
                    absl::StrCat(t.agency_id(), " (", t.user_id(), ")"), OrDash(t.reason())});
  }
  absl::StrAppend(&out, "history:\n", history.Render());
  return out;
}

std::string RenderReferralList(const google::protobuf::RepeatedPtrField<v1::Referral>& referrals) {
  if (referrals.empty()) return "";
  Table table;
  table.AddRow({"REFERRAL_ID", "TYPE", "STATE", "OVERDUE", "SUBJECT", "FROM", "TO", "EVENT_DATE",
                "CREATED"});
  for (const v1::Referral& r : referrals) {
    table.AddRow({r.referral_id(), r.referral_type(), ReferralStateName(r.state()),
                  r.overdue() ? "yes" : "no", r.subject_id(), r.referring_agency(),
                  r.receiving_agency(), OrDash(r.event_date()), FormatTimestamp(r.created_at())});
  }
  return table.Render();
}

namespace {

// One decimal place: counts of people do not need more.
std::string Figure(double value) { return absl::StrFormat("%.1f", value); }

// How a withheld count shows: "<5" under the demo policy's reporting.min_count of 5.
std::string Withheld(const v1::ReferralReport& report) {
  return report.min_count() > 1 ? absl::StrCat("<", report.min_count()) : "withheld";
}

// One stage's count, attrition and times as shown. A withheld count shows as `withheld` and its
// attrition and times as `blank`, and so does the attrition of the stage after it (the broker
// sends 0 for those: it would give the withheld count away).
struct StageFigures {
  std::string stage, count, attrition, median, p90;
};
std::vector<StageFigures> StagesOf(const v1::FunnelRow& row, const std::string& withheld,
                                   const std::string& blank) {
  std::vector<StageFigures> out;
  bool after_withheld = false;
  for (const v1::FunnelStage& st : row.stages()) {
    if (st.suppressed()) {
      out.push_back({st.stage(), withheld, blank, blank, blank});
    } else {
      out.push_back({st.stage(), absl::StrCat(st.count()),
                     after_withheld ? blank : Figure(st.attrition_percent()),
                     Figure(st.median_hours()), Figure(st.p90_hours())});
    }
    after_withheld = st.suppressed();
  }
  return out;
}

// The overdue, declined, withdrawn and lost-contact counts, withheld ones as `withheld`.
std::vector<std::string> OutcomesOf(const v1::FunnelRow& row, const std::string& withheld) {
  const auto shown = [&](int64_t n, bool suppressed) {
    return suppressed ? withheld : absl::StrCat(n);
  };
  return {shown(row.overdue(), row.overdue_suppressed()),
          shown(row.declined(), row.declined_suppressed()),
          shown(row.withdrawn(), row.withdrawn_suppressed()),
          shown(row.lost_contact(), row.lost_contact_suppressed())};
}

}  // namespace

std::string RenderReferralReport(const v1::ReferralReport& report) {
  if (report.rows().empty()) return "no referrals were made in the period\n";
  const std::string withheld = Withheld(report);
  std::string out;
  bool any_withheld = false;
  for (const v1::FunnelRow& row : report.rows()) {
    absl::StrAppend(&out, out.empty() ? "" : "\n", row.referral_type(), "  ", row.group(), "\n");
    Table table(2);
    table.AddRow({"STAGE", "COUNT", "ATTRITION_%", "MEDIAN_H", "P90_H"});
    for (const StageFigures& st : StagesOf(row, withheld, "-")) {
      table.AddRow({st.stage, st.count, st.attrition, st.median, st.p90});
      any_withheld |= st.count == withheld;
    }
    const std::vector<std::string> outcomes = OutcomesOf(row, withheld);
    for (const std::string& n : outcomes) any_withheld |= n == withheld;
    absl::StrAppend(&out, table.Render(), "  overdue ", outcomes[0], "  declined ", outcomes[1],
                    "  withdrawn ", outcomes[2], "  lost contact ", outcomes[3], "\n");
  }
  if (any_withheld) {
    absl::StrAppend(&out, "\n", withheld, ": a count withheld because so few could identify "
                    "people; the figures derived from it show as -\n");
  }
  return out;
}

std::string ReferralReportCsv(const v1::ReferralReport& report) {
  // The stages as the broker names them, or (with no rows) as referrals.proto lists them, so
  // the columns do not depend on the data.
  std::vector<std::string> stages = {"referred",      "received", "accepted",
                                     "first_contact", "assessed", "engaged"};
  if (!report.rows().empty()) {
    stages.clear();
    for (const v1::FunnelStage& st : report.rows(0).stages()) stages.push_back(st.stage());
  }
  std::vector<std::string> header = {"referral_type", "group"};
  for (const std::string& stage : stages) {
    for (const char* suffix : {"", "_attrition_percent", "_median_hours", "_p90_hours"}) {
      header.push_back(absl::StrCat(stage, suffix));
    }
  }
  for (const char* column : {"overdue", "declined", "withdrawn", "lost_contact"}) {
    header.push_back(column);
  }
  const std::string withheld = Withheld(report);
  std::string out = absl::StrCat(absl::StrJoin(header, ","), "\r\n");
  for (const v1::FunnelRow& row : report.rows()) {
    std::vector<std::string> cells = {CsvField(row.referral_type()), CsvField(row.group())};
    for (const StageFigures& st : StagesOf(row, withheld, "")) {
      for (const std::string* cell : {&st.count, &st.attrition, &st.median, &st.p90}) {
        cells.push_back(*cell);
      }
    }
    for (const std::string& n : OutcomesOf(row, withheld)) cells.push_back(n);
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\r\n");
  }
  return out;
}

}  // namespace throughcare::client
