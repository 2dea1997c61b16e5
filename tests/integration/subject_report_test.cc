// The subject access report against the real broker: everything the log holds about one person,
// with each access told as a sentence, the report itself audited, and only for auditors.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/integration/audit_story.h"

namespace throughcare::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class SubjectReportTest : public AuditStoryTest {
 protected:
  grpc::Status Report(v1::GetSubjectAccessReportRequest req, v1::SubjectAccessReport* out,
                      const Actor& actor = kAuditor) {
    if (req.purpose().empty()) req.set_purpose("audit");
    return Audit(actor.agency)->GetSubjectAccessReport(ContextFor(actor).get(), req, out);
  }
  v1::GetSubjectAccessReportRequest About(const std::string& subject_id) {
    v1::GetSubjectAccessReportRequest req;
    req.set_subject_id(subject_id);
    return req;
  }
  std::vector<std::string> Summaries(const v1::SubjectAccessReport& report) {
    std::vector<std::string> out;
    for (const v1::TimelineEvent& e : report.events()) out.push_back(e.summary());
    return out;
  }
};

TEST_F(SubjectReportTest, TellsWhoTheyAreWhatIsHeldAndEveryAccessInOrder) {
  // Every entry the log holds about the person, in the log's order: those an auditor's query
  // finds, then that query itself.
  v1::QueryAuditLogRequest q;
  q.set_subject_id(subject_id_);
  q.mutable_page()->set_page_size(100);
  v1::QueryAuditLogResponse logged;
  ASSERT_TRUE(Query(q, &logged).ok());
  v1::SubjectAccessReport report;
  grpc::Status s = Report(About(subject_id_), &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(report.subject().subject_id(), subject_id_);
  ASSERT_THAT(report.records(), SizeIs(1));
  EXPECT_EQ(report.records(0).record_id(), record_id_);
  EXPECT_EQ(report.records(0).record_type(), "health_summary");
  EXPECT_EQ(report.records(0).owner_agency(), "hmp-northgate-healthcare");
  ASSERT_THAT(report.consents(), SizeIs(1));
  EXPECT_EQ(report.consents(0).consent_id(), consent_id_);
  ASSERT_EQ(report.events_size(), logged.entries_size() + 1);
  for (int i = 0; i < logged.entries_size(); ++i) {
    EXPECT_EQ(report.events(i).entry().seq(), logged.entries(i).seq());
  }
  EXPECT_EQ(report.events(logged.entries_size()).summary(),
            "Information Governance Office (demo) (auditor-1, auditor) searched the access log "
            "about the person for audit: allowed under role rule 'audit-review'.");
  EXPECT_FALSE(report.truncated());
  EXPECT_THAT(Summaries(report),
              Contains(AllOf(HasSubstr("East Area Probation Service (demo) (om-1, offender manager)"),
                             HasSubstr(absl::StrCat("read the health summary ", record_id_)),
                             HasSubstr("for offender management: allowed under consent"))));
  EXPECT_THAT(Summaries(report),
              Contains(AllOf(HasSubstr("(housing-officer-1, housing officer) read the health"),
                             HasSubstr("for resettlement: refused ("))));
}

TEST_F(SubjectReportTest, TheReportIsAuditedAboutThePerson) {
  v1::SubjectAccessReport report;
  ASSERT_TRUE(Report(About(subject_id_), &report).ok());
  v1::QueryAuditLogRequest q;
  q.set_subject_id(subject_id_);
  q.set_action("audit.person");
  v1::QueryAuditLogResponse logged;
  ASSERT_TRUE(Query(q, &logged).ok());
  ASSERT_THAT(logged.entries(), SizeIs(1));
  EXPECT_EQ(logged.entries(0).user_id(), kAuditor.user);
  EXPECT_THAT(logged.entries(0).reason(),
              HasSubstr(absl::StrCat("reported ", report.events_size(), " accesses")));
}

TEST_F(SubjectReportTest, APeriodKeepsOnlyItsAccesses) {
  const absl::Time from = clock_.Now();
  clock_.Advance(absl::Minutes(1));
  v1::GetRecordRequest get;
  get.set_record_id(record_id_);
  get.set_purpose("offender_management");
  v1::Record read;
  ASSERT_TRUE(
      Records("probation-east")->GetRecord(ContextFor(kOffenderManager).get(), get, &read).ok());
  v1::GetSubjectAccessReportRequest req = About(subject_id_);
  req.mutable_from_time()->set_seconds(absl::ToUnixSeconds(from));
  v1::SubjectAccessReport report;
  ASSERT_TRUE(Report(req, &report).ok());
  ASSERT_THAT(report.events(), SizeIs(1));
  EXPECT_EQ(report.events(0).entry().action(), "record.read");
  EXPECT_EQ(report.events(0).entry().user_id(), kOffenderManager.user);
}

TEST_F(SubjectReportTest, OnlyAuditorsAskAndBadRequestsNameTheField) {
  v1::SubjectAccessReport report;
  v1::GetSubjectAccessReportRequest req = About(subject_id_);
  req.set_purpose("offender_management");
  EXPECT_EQ(Report(req, &report, kOffenderManager).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  std::string unknown = subject_id_;
  unknown.back() = unknown.back() == 'a' ? 'b' : 'a';  // well formed, nobody's
  grpc::Status s = Report(About(unknown), &report);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("subject_id"));
  s = Report(About(""), &report);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("subject_id"));
  req = About(subject_id_);
  req.mutable_from_time()->set_seconds(absl::ToUnixSeconds(clock_.Now()));
  req.mutable_until_time()->set_seconds(absl::ToUnixSeconds(clock_.Now() - absl::Hours(1)));
  s = Report(req, &report);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("until_time"));
}

}  // namespace
}  // namespace throughcare::testing
