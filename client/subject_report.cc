#include "client/subject_report.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/output.h"

namespace throughcare::client {
namespace {

std::string Html(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"},
                                    {"\"", "&quot;"}, {"'", "&#39;"}});
}

std::string Identifiers(const v1::Subject& s) {
  std::vector<std::string> ids;
  for (const v1::Identifier& id : s.identifiers()) {
    ids.push_back(absl::StrCat(IdentifierKindName(id.kind()), " ", id.value()));
  }
  return ids.empty() ? "none" : absl::StrJoin(ids, ", ");
}

std::string Decision(v1::Decision d) {
  switch (d) {
    case v1::DECISION_ALLOW:
      return "allowed";
    case v1::DECISION_DENY:
      return "refused";
    default:
      return "not carried out";
  }
}

std::string ConsentLine(const v1::Consent& c) {
  return absl::StrCat(absl::StrJoin(c.data_classes(), ", "), " to ",
                      absl::StrJoin(c.recipient_agencies(), ", "), " for ",
                      absl::StrJoin(c.purposes(), ", "), ", ", FormatTimestamp(c.valid_from()),
                      " to ", FormatTimestamp(c.valid_until()),
                      c.has_withdrawn_at()
                          ? absl::StrCat(", withdrawn ", FormatTimestamp(c.withdrawn_at()))
                          : "");
}

constexpr char kStyle[] =
    "body{font-family:sans-serif;font-size:10.5pt;margin:2em}"
    "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
    "th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee}.refused{color:#900}@page{size:A4;margin:15mm}";

}  // namespace

std::string RenderSubjectReport(const v1::SubjectAccessReport& r) {
  std::string out = absl::StrCat("Subject access report for ", r.subject().subject_id(), "\n",
                                 "generated ", FormatTimestamp(r.generated_at()), "\n",
                                 "identifiers: ", Identifiers(r.subject()), "\nhome area: ",
                                 OrDash(r.subject().home_area()), "\n\nWhat was recorded:\n");
  for (const v1::RecordSummary& rec : r.records()) {
    absl::StrAppend(&out, "  ", rec.record_type(), " ", rec.record_id(), " (", rec.data_class(),
                    ") held by ", rec.owner_agency(), ", ", rec.versions(), " version(s), last ",
                    FormatTimestamp(rec.last_changed()), "\n");
  }
  if (r.records().empty()) absl::StrAppend(&out, "  nothing\n");
  absl::StrAppend(&out, "\nConsents:\n");
  for (const v1::Consent& c : r.consents()) absl::StrAppend(&out, "  ", ConsentLine(c), "\n");
  if (r.consents().empty()) absl::StrAppend(&out, "  none\n");
  absl::StrAppend(&out, "\nWho accessed the person's data (", r.events_size(), "):\n");
  for (const v1::TimelineEvent& e : r.events()) {
    absl::StrAppend(&out, "  ", FormatTimestamp(e.entry().time()), "  ", e.summary(), "\n");
  }
  if (r.truncated()) absl::StrAppend(&out, "  (more: narrow the period with --from/--until)\n");
  return out;
}

std::string SubjectReportHtml(const v1::SubjectAccessReport& r) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Subject access "
      "report</title><style>", kStyle, "</style></head><body>\n<h1>Subject access report</h1>\n"
      "<p>Person ", Html(r.subject().subject_id()), " &middot; ", Html(Identifiers(r.subject())),
      " &middot; home area ", Html(OrDash(r.subject().home_area())), "<br>Generated ",
      Html(FormatTimestamp(r.generated_at())), " from the Throughcare audit log.</p>\n"
      "<h2>What was recorded</h2>\n<table><tr><th>Record</th><th>Kind</th><th>Data class</th>"
      "<th>Held by</th><th>Versions</th><th>Last changed</th></tr>\n");
  for (const v1::RecordSummary& rec : r.records()) {
    absl::StrAppend(&out, "<tr><td>", Html(rec.record_id()), "</td><td>", Html(rec.record_type()),
                    "</td><td>", Html(rec.data_class()), "</td><td>", Html(rec.owner_agency()),
                    "</td><td>", rec.versions(), "</td><td>",
                    Html(FormatTimestamp(rec.last_changed())), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</table>\n<h2>Consents</h2>\n<ul>\n");
  for (const v1::Consent& c : r.consents()) {
    absl::StrAppend(&out, "<li>", Html(ConsentLine(c)), "</li>\n");
  }
  absl::StrAppend(&out, "</ul>\n<h2>Who accessed the data, when and why</h2>\n"
                        "<table><tr><th>When (UTC)</th><th>What happened</th><th>Result</th></tr>\n");
  for (const v1::TimelineEvent& e : r.events()) {
    const std::string result = Decision(e.entry().decision());
    absl::StrAppend(&out, "<tr><td>", Html(FormatTimestamp(e.entry().time())), "</td><td>",
                    Html(e.summary()), "</td><td", result == "allowed" ? "" : " class=\"refused\"",
                    ">", result, "</td></tr>\n");
  }
  absl::StrAppend(&out, "</table>\n", r.truncated() ? "<p>More accesses than one report holds: "
                                                      "narrow the period.</p>\n" : "",
                  "</body></html>\n");
  return out;
}

std::string SubjectReportCsv(const v1::SubjectAccessReport& r) {
  std::string out =
      "seq,time,agency,system,user,role,action,record_id,record_version,purpose,decision,basis,"
      "break_glass_reason,outcome,summary\r\n";
  for (const v1::TimelineEvent& e : r.events()) {
    const v1::AuditEntry& a = e.entry();
    std::vector<std::string> cells = {
        absl::StrCat(a.seq()), FormatTimestamp(a.time()), a.agency_id(), a.system_id(),
        a.user_id(), a.role(), a.action(), a.record_id(), absl::StrCat(a.record_version()),
        a.purpose(), Decision(a.decision()), a.basis(), a.break_glass_reason(), a.outcome(),
        e.summary()};
    for (std::string& c : cells) c = CsvField(c);
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\r\n");
  }
  return out;
}

}  // namespace throughcare::client
