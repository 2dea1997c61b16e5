// Erasure and retention against the real broker: an erased record or person is unreadable by
// anyone, the database file no longer holds a key that opens them, the audit log still verifies,
// and the erasure is audited, reported and shown in the person's timeline.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/integration/direct_database.h"
#include "tests/integration/audit_story.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const Actor kDpo{"ig-office", "dpo-1", "data_protection_officer", "data_protection"};

class ErasureTest : public AuditStoryTest {
 protected:
  grpc::Status EraseRecord(const std::string& record_id, const std::string& reason,
                           v1::Erasure* out, const Actor& actor = kDpo) {
    v1::EraseRecordRequest req;
    req.set_purpose(actor.purpose);
    req.set_record_id(record_id);
    req.set_reason(reason);
    return Records(actor.agency)->EraseRecord(ContextFor(actor).get(), req, out);
  }
  grpc::Status Read(const Actor& actor, const std::string& purpose, v1::Record* out) {
    v1::GetRecordRequest get;
    get.set_record_id(record_id_);
    get.set_purpose(purpose);
    return Records(actor.agency)->GetRecord(ContextFor(actor).get(), get, out);
  }
  // One column of one row, as stored (the broker keeps running).
  std::string Column(const std::string& sql) {
    absl::StatusOr<std::string> value = DirectQuery(config_, sql);
    EXPECT_THAT(value, IsOk());
    return value.value_or("");
  }
  // Whether `bytes` occur anywhere in the database's files once the broker has closed them.
  bool FileHolds(const std::string& bytes) {
    StopBroker();
    absl::StatusOr<std::string> stored = StoredBytes(config_);
    EXPECT_THAT(stored, IsOk());
    StartBroker();
    return stored.value_or("").find(bytes) != std::string::npos;
  }
};

TEST_F(ErasureTest, AnErasedRecordIsUnreadableToEveryoneAndItsKeyIsGone) {
  const std::string key =
      Column(absl::StrCat("SELECT wrapped_key FROM record_keys WHERE record_id = '", record_id_,
                          "'"));
  ASSERT_FALSE(key.empty());
  ASSERT_TRUE(FileHolds(key));  // the check below can see a key

  v1::Erasure erasure;
  const std::string reason = "Erasure request ER-0001, agreed by the data protection officer.";
  grpc::Status s = EraseRecord(record_id_, reason, &erasure);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(erasure.record_id(), record_id_);
  EXPECT_EQ(erasure.basis(), "request");
  EXPECT_EQ(erasure.reason(), reason);

  v1::Record read;
  for (const auto& [actor, purpose] :
       {std::pair{kHealthcare, "direct_care"}, std::pair{kOffenderManager, "offender_management"}}) {
    s = Read(actor, purpose, &read);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << actor.user;
    EXPECT_THAT(s.error_message(),
                HasSubstr(absl::StrCat("record ", record_id_, " was erased on ")));
    EXPECT_THAT(s.error_message(),
                HasSubstr(absl::StrCat("by ig-office (dpo-1, data protection officer) on request: ",
                                       reason)));
  }
  v1::PutRecordRequest put;
  put.set_purpose("direct_care");
  put.set_subject_id(subject_id_);
  put.set_record_id(record_id_);
  put.set_expected_version(1);
  put.set_data_class("health");
  put.mutable_body()->mutable_health_summary()->add_conditions()->set_name("asthma");
  s = Records(kHealthcare.agency)->PutRecord(ContextFor(kHealthcare).get(), put, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  EXPECT_EQ(Column(absl::StrCat("SELECT COUNT(*) FROM records WHERE record_id = '", record_id_,
                                "' AND length(sealed_body) > 0")),
            "0");  // every version's contents emptied too
  EXPECT_FALSE(FileHolds(key));
  absl::StatusOr<client::VerifyResult> verified = Verify();
  EXPECT_TRUE(verified.ok()) << verified.status();
}

TEST_F(ErasureTest, ErasingAPersonDestroysTheirKeysAndIdentifiersAndTheTimelineShowsIt) {
  const std::string key =
      Column(absl::StrCat("SELECT wrapped_key FROM subject_keys WHERE subject_id = '",
                          subject_id_, "'"));
  ASSERT_FALSE(key.empty());
  v1::EraseSubjectRequest req;
  req.set_purpose("data_protection");
  req.set_subject_id(subject_id_);
  req.set_reason("Erasure request ER-0002 for the whole person.");
  v1::EraseSubjectResponse resp;
  grpc::Status s = Records(kDpo.agency)->EraseSubject(ContextFor(kDpo).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(resp.erasures(), SizeIs(2));  // the health summary, then the person
  EXPECT_EQ(resp.erasures(0).record_id(), record_id_);
  EXPECT_EQ(resp.erasures(1).record_id(), "");

  v1::Record read;
  EXPECT_EQ(Read(kHealthcare, "direct_care", &read).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::ResolveIdentifierRequest resolve;
  resolve.set_purpose(kReception.purpose);
  resolve.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  resolve.mutable_identifier()->set_value("A1234BC");
  v1::Subject person;
  EXPECT_EQ(Subjects(kReception.agency)
                ->ResolveIdentifier(ContextFor(kReception).get(), resolve, &person)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(FileHolds(key));

  v1::GetSubjectAccessReportRequest report_req;
  report_req.set_purpose("audit");
  report_req.set_subject_id(subject_id_);
  v1::SubjectAccessReport report;
  ASSERT_TRUE(
      Audit(kAuditor.agency)->GetSubjectAccessReport(ContextFor(kAuditor).get(), report_req,
                                                     &report)
          .ok());
  std::vector<std::string> summaries;
  for (const v1::TimelineEvent& e : report.events()) summaries.push_back(e.summary());
  EXPECT_THAT(summaries, ::testing::Contains(HasSubstr(
                             "(dpo-1, data protection officer) erased the person: every record, "
                             "their identifiers and their key")));
  absl::StatusOr<client::VerifyResult> verified = Verify();
  EXPECT_TRUE(verified.ok()) << verified.status();
}

TEST_F(ErasureTest, OnlyTheDataProtectionOfficerErasesWithAReasonAndOnlyOnce) {
  v1::Erasure erasure;
  const std::string reason = "Erasure request ER-0003, agreed.";
  Actor om_for_erasure = kOffenderManager;
  om_for_erasure.purpose = "data_protection";
  EXPECT_EQ(EraseRecord(record_id_, reason, &erasure, om_for_erasure).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = EraseRecord(record_id_, "because", &erasure);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("reason"));
  ASSERT_TRUE(EraseRecord(record_id_, reason, &erasure).ok());
  s = EraseRecord(record_id_, reason, &erasure);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("was erased on"));

  v1::QueryAuditLogRequest q;
  q.set_action("record.erase");
  v1::QueryAuditLogResponse logged;
  ASSERT_TRUE(Query(q, &logged).ok());
  ASSERT_THAT(logged.entries(), SizeIs(3));  // refused, erased, refused as already erased
  EXPECT_EQ(logged.entries(0).decision(), v1::DECISION_DENY);
  EXPECT_THAT(logged.entries(1).reason(), HasSubstr(reason));
  EXPECT_EQ(logged.entries(2).outcome(), "FAILED_PRECONDITION");
}

TEST_F(ErasureTest, RetentionErasesRecordsPastTheirPeriodAndTheReportListsThem) {
  const absl::Time start = clock_.Now();
  v1::Record dir;
  ASSERT_TRUE(Records(kCarat.agency)
                  ->PutRecord(ContextFor(kCarat).get(), DirRequest(subject_id_), &dir)
                  .ok());
  // The demo policy keeps drug records 6 years after their latest version, health records until
  // erased by hand.
  clock_.Advance(absl::Hours(24 * (6 * 366 + 1)));
  broker_->RunPeriodicWork();

  v1::GetRecordRequest get;
  get.set_record_id(dir.record_id());
  get.set_purpose("direct_care");
  v1::Record read;
  grpc::Status s = Records(kCarat.agency)->GetRecord(ContextFor(kCarat).get(), get, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(),
              HasSubstr("by the broker's retention sweep under retention: drugs 6y"));
  EXPECT_TRUE(Read(kHealthcare, "direct_care", &read).ok());

  v1::ListErasuresRequest list;
  list.set_purpose("data_protection");
  list.mutable_from_time()->set_seconds(absl::ToUnixSeconds(start));
  list.mutable_until_time()->set_seconds(absl::ToUnixSeconds(clock_.Now()) + 1);
  v1::ListErasuresResponse report;
  s = Records(kDpo.agency)->ListErasures(ContextFor(kDpo).get(), list, &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(report.erasures(), SizeIs(1));
  EXPECT_EQ(report.erasures(0).record_id(), dir.record_id());
  EXPECT_EQ(report.erasures(0).agency_id(), "throughcare");
  EXPECT_EQ(report.erasures(0).basis(), "retention: drugs 6y");
  EXPECT_TRUE(report.next_page_token().empty());
}

}  // namespace
}  // namespace throughcare::testing
