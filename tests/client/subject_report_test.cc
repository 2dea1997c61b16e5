// The subject access report's printable forms: every value escaped in HTML, RFC 4180 in CSV.
#include "client/subject_report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace throughcare::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::SubjectAccessReport ReportWithAWaywardReason() {
  v1::SubjectAccessReport r;
  r.mutable_subject()->set_subject_id("sub_test");
  v1::TimelineEvent* e = r.add_events();
  e->mutable_entry()->set_seq(7);
  e->mutable_entry()->set_user_id("om-1");
  e->mutable_entry()->set_decision(v1::DECISION_ALLOW);
  e->mutable_entry()->set_break_glass_reason("risk <script>alert(1)</script>, \"urgent\"");
  e->set_summary("om-1 read a record: allowed by break-glass, giving the reason \"risk "
                 "<script>alert(1)</script>, \"urgent\"\"");
  v1::TimelineEvent* refused = r.add_events();
  refused->mutable_entry()->set_seq(8);
  refused->mutable_entry()->set_decision(v1::DECISION_DENY);
  refused->set_summary("housing-1 read a record: refused (no consent)");
  return r;
}

TEST(SubjectReportHtmlTest, EscapesEveryValueAndMarksRefusals) {
  const std::string html = SubjectReportHtml(ReportWithAWaywardReason());
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;, &quot;urgent&quot;"));
  EXPECT_THAT(html, HasSubstr("<td class=\"refused\">refused</td>"));
  EXPECT_THAT(html, HasSubstr("<td>allowed</td>"));
}

TEST(SubjectReportCsvTest, OneQuotedRowPerAccessAfterTheHeader) {
  const std::string csv = SubjectReportCsv(ReportWithAWaywardReason());
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "seq,time,agency,system,user,role,action,record_id,record_version,purpose,decision,"
            "basis,break_glass_reason,outcome,summary");
  EXPECT_THAT(csv, HasSubstr("\r\n7,"));
  EXPECT_THAT(csv, HasSubstr(",\"risk <script>alert(1)</script>, \"\"urgent\"\"\","));
  EXPECT_THAT(csv, HasSubstr("\r\n8,"));
  EXPECT_EQ(csv.substr(csv.size() - 2), "\r\n");
}

}  // namespace
}  // namespace throughcare::client
