// `throughcare audit person`: everything the log holds about one person, for a subject access
// request or a complaint, found by an agency identifier (the lookup is audited too).
#include <fstream>

#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "client/subject_report.h"
#include "throughcare/v1/audit.grpc.pb.h"

namespace throughcare::client {
namespace {

struct PersonFlags {
  IdentifierFlags ids;
  std::string subject_id;
  std::string from;
  std::string until;
  std::string html;
  std::string csv;
};

absl::Status WriteFile(Session& session, const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  session.err() << "wrote " << path << "\n";
  return absl::OkStatus();
}

absl::Status Person(Session& session, const PersonFlags& f) {
  v1::GetSubjectAccessReportRequest req;
  ASSIGN_OR_RETURN(*req.mutable_subject_id(), SubjectIdFrom(session, f.ids, f.subject_id, kAuditPurpose));
  if (!f.from.empty()) {
    ASSIGN_OR_RETURN(*req.mutable_from_time(), ParseTimestampFlag("--from", f.from));
  }
  if (!f.until.empty()) {
    ASSIGN_OR_RETURN(*req.mutable_until_time(), ParseTimestampFlag("--until", f.until));
  }
  ASSIGN_OR_RETURN(v1::SubjectAccessReport report,
                   CallService<v1::AuditService>(
                       session, req, &v1::AuditService::Stub::GetSubjectAccessReport,
                       kAuditPurpose));
  if (!f.html.empty()) RETURN_IF_ERROR(WriteFile(session, f.html, SubjectReportHtml(report)));
  if (f.csv == "-") {
    session.out() << SubjectReportCsv(report);
    return absl::OkStatus();
  }
  if (!f.csv.empty()) RETURN_IF_ERROR(WriteFile(session, f.csv, SubjectReportCsv(report)));
  return Print(session, report, RenderSubjectReport);
}

}  // namespace

void RegisterAuditPersonCommand(CLI::App& audit, CommandContext& ctx) {
  PersonFlags& f = ctx.Keep<PersonFlags>();
  CLI::App* p = audit.add_subcommand(
      "person", "Everything the log holds about one person (a subject access report)");
  AddIdentifierFlags(*p, f.ids);
  p->add_option("--subject", f.subject_id, "the person's subject id, instead of an identifier")
      ->type_name("ID");
  p->add_option("--from", f.from, "only accesses from this RFC 3339 time or date")
      ->type_name("TIME");
  p->add_option("--until", f.until, "only accesses before this time or date")->type_name("TIME");
  p->add_option("--html", f.html, "also write a printable HTML page to FILE")->type_name("FILE");
  p->add_option("--csv", f.csv, "also write the accesses as CSV to FILE (\"-\": instead, to "
                               "standard output)")
      ->type_name("FILE");
  p->footer(Footer("throughcare audit person --noms A1234BC --html report.html",
                   "Lists who the person is, what was recorded about them (kinds of record and\n"
                   "who holds them, never contents), their consents, and every access to their\n"
                   "data with the agency, purpose, decision and lawful basis, in plain words.\n"
                   "The identifier lookup and the report are both in the audit log."));
  ctx.OnRun(p, [&f](Session& s) { return Person(s, f); });
}

}  // namespace throughcare::client
