// A subject access report (AuditService.GetSubjectAccessReport) as people read it: text for the
// terminal, a printable HTML page, and CSV of the accesses for a spreadsheet.
#ifndef THROUGHCARE_CLIENT_SUBJECT_REPORT_H_
#define THROUGHCARE_CLIENT_SUBJECT_REPORT_H_

#include <string>

#include "throughcare/v1/audit.pb.h"

namespace throughcare::client {

std::string RenderSubjectReport(const v1::SubjectAccessReport& report);
// A self-contained page (inline style, no scripts) that prints on A4; every value is escaped.
std::string SubjectReportHtml(const v1::SubjectAccessReport& report);
// One row per access, with a header row (RFC 4180, UTF-8, CRLF).
std::string SubjectReportCsv(const v1::SubjectAccessReport& report);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_SUBJECT_REPORT_H_
