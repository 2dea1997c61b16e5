// AuditService against the real broker: every access is logged with who, what, why and the
// decision; auditors query and export it; tampering with the database is detected.
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/audit/chain.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class AuditTest : public BrokerTest {
 protected:
  // The demo story: register, store a health summary, read it, refuse housing.
  void SetUp() override {
    BrokerTest::SetUp();
    v1::RegisterSubjectRequest reg;
    reg.set_purpose("offender_management");
    reg.add_identifiers()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    reg.mutable_identifiers(0)->set_value("A1234BC");
    v1::Subject subject;
    ASSERT_TRUE(Subjects("hmp-northgate")->RegisterSubject(ContextFor(kReception).get(), reg, &subject).ok());
    subject_id_ = subject.subject_id();

    v1::PutRecordRequest put;
    put.set_purpose("direct_care");
    put.set_subject_id(subject_id_);
    put.set_data_class("health");
    put.mutable_body()->mutable_health_summary()->add_conditions()->set_name("asthma");
    v1::Record record;
    ASSERT_TRUE(Records("hmp-northgate-healthcare")->PutRecord(ContextFor(kHealthcare).get(), put, &record).ok());
    record_id_ = record.record_id();

    v1::GetRecordRequest get;
    get.set_record_id(record_id_);
    get.set_purpose("offender_management");
    v1::Record read;
    ASSERT_TRUE(Records("probation-east")->GetRecord(ContextFor(kOffenderManager).get(), get, &read).ok());
    get.set_purpose("resettlement");
    ASSERT_EQ(Records("housing-east")->GetRecord(ContextFor(kHousing).get(), get, &read).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  grpc::Status Query(v1::QueryAuditLogRequest req, v1::QueryAuditLogResponse* out,
                     const Actor& actor = kAuditor) {
    if (req.purpose().empty()) req.set_purpose("audit");
    return Audit(actor.agency)->QueryAuditLog(ContextFor(actor).get(), req, out);
  }

  // Exports the whole log and checks the chain, as `throughcare audit verify` does.
  absl::Status ExportAndVerify(int64_t* verified = nullptr) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + AssertionFor(kAuditor));
    v1::ExportAuditLogRequest req;
    req.set_purpose("audit");
    auto reader = Audit("ig-office")->ExportAuditLog(&ctx, req);
    audit::ChainVerifier verifier;
    v1::AuditEntry e;
    absl::Status result;
    while (reader->Read(&e)) {
      AuditEntry entry;
      entry.seq = e.seq();
      entry.time = absl::FromUnixSeconds(e.time().seconds()) + absl::Nanoseconds(e.time().nanos());
      entry.agency_id = e.agency_id();
      entry.system_id = e.system_id();
      entry.user_id = e.user_id();
      entry.role = e.role();
      entry.action = e.action();
      entry.subject_id = e.subject_id();
      entry.record_id = e.record_id();
      entry.record_version = e.record_version();
      entry.purpose = e.purpose();
      entry.decision = e.decision() == v1::DECISION_ALLOW ? AuditDecision::kAllow : AuditDecision::kDeny;
      entry.reason = e.reason();
      entry.policy_version = e.policy_version();
      entry.request_id = e.request_id();
      entry.outcome = e.outcome();
      entry.prev_hash = e.prev_hash();
      entry.hash = e.hash();
      if (result.ok()) result = verifier.Add(entry);
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) return absl::UnknownError(s.error_message());
    if (verified != nullptr) *verified = verifier.verified();
    return result;
  }

  void ExecSql(const std::string& sql) {
    StopBroker();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(config_.sqlite_path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(db);
    StartBroker();
  }

  std::string subject_id_;
  std::string record_id_;
};

TEST_F(AuditTest, EveryAccessIsLoggedWithWhoWhatWhyAndTheDecision) {
  v1::QueryAuditLogRequest req;
  req.set_subject_id(subject_id_);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(req, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(4));
  std::vector<std::string> actions;
  for (const auto& e : resp.entries()) actions.push_back(e.action());
  EXPECT_THAT(actions, ElementsAre("subject.register", "record.write", "record.read", "record.read"));

  const v1::AuditEntry& read = resp.entries(2);
  EXPECT_EQ(read.agency_id(), "probation-east");
  EXPECT_EQ(read.system_id(), "probation-east-system");
  EXPECT_EQ(read.user_id(), "om-1");
  EXPECT_EQ(read.role(), "offender_manager");
  EXPECT_EQ(read.record_id(), record_id_);
  EXPECT_EQ(read.record_version(), 1);
  EXPECT_EQ(read.purpose(), "offender_management");
  EXPECT_EQ(read.decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(read.reason(), HasSubstr("rule"));
  EXPECT_THAT(read.policy_version(), ::testing::StartsWith("sha256:"));
  EXPECT_THAT(read.request_id(), ::testing::StartsWith("req_"));
  EXPECT_EQ(read.outcome(), "OK");

  const v1::AuditEntry& refused = resp.entries(3);
  EXPECT_EQ(refused.agency_id(), "housing-east");
  EXPECT_EQ(refused.decision(), v1::DECISION_DENY);
  EXPECT_EQ(refused.outcome(), "PERMISSION_DENIED");
  EXPECT_THAT(refused.reason(), HasSubstr("housing_officer"));
}

TEST_F(AuditTest, QueriesFilterAndPaginate) {
  v1::QueryAuditLogRequest deny;
  deny.set_decision(v1::DECISION_DENY);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(deny, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).user_id(), "housing-officer-1");

  v1::QueryAuditLogRequest by_agency;
  by_agency.set_agency_id("probation-east");
  by_agency.set_action("record.read");
  ASSERT_TRUE(Query(by_agency, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));

  v1::QueryAuditLogRequest by_user;
  by_user.set_user_id("nurse-1");
  ASSERT_TRUE(Query(by_user, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).action(), "record.write");

  v1::QueryAuditLogRequest future;
  future.mutable_from_time()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  ASSERT_TRUE(Query(future, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(0));

  v1::QueryAuditLogRequest paged;
  paged.set_subject_id(subject_id_);
  paged.mutable_page()->set_page_size(3);
  ASSERT_TRUE(Query(paged, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(3));
  ASSERT_FALSE(resp.next_page_token().empty());
  paged.mutable_page()->set_page_token(resp.next_page_token());
  ASSERT_TRUE(Query(paged, &resp).ok());
  // The refusal, then the auditor's own first-page query, which was about this person too.
  ASSERT_THAT(resp.entries(), SizeIs(2));
  EXPECT_EQ(resp.entries(0).decision(), v1::DECISION_DENY);
  EXPECT_EQ(resp.entries(1).action(), "audit.query");
  EXPECT_EQ(resp.entries(1).user_id(), "auditor-1");
  EXPECT_TRUE(resp.next_page_token().empty());
}

TEST_F(AuditTest, QueriesAreThemselvesAuditedAndNeedTheAuditorRole) {
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(v1::QueryAuditLogRequest(), &resp).ok());
  v1::QueryAuditLogRequest by_auditor;
  by_auditor.set_user_id("auditor-1");
  ASSERT_TRUE(Query(by_auditor, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1)) << "the first query is logged before the second runs";
  EXPECT_EQ(resp.entries(0).action(), "audit.query");

  v1::QueryAuditLogRequest req;
  req.set_purpose("offender_management");
  grpc::Status s = Query(req, &resp, kOffenderManager);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("audit.read"));
}

TEST_F(AuditTest, BadQueryFieldsAreInvalidArgument) {
  v1::QueryAuditLogResponse resp;
  v1::QueryAuditLogRequest req;
  req.mutable_page()->set_page_size(5000);
  grpc::Status s = Query(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("page.page_size"));
  req = v1::QueryAuditLogRequest();
  req.mutable_page()->set_page_token("yesterday");
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("page.page_token"));
  req = v1::QueryAuditLogRequest();
  req.mutable_from_time()->set_seconds(200);
  req.mutable_until_time()->set_seconds(100);
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("until_time"));
  req = v1::QueryAuditLogRequest();
  req.set_subject_id("someone");
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("subject_id"));
}

TEST_F(AuditTest, UntouchedLogVerifies) {
  int64_t verified = 0;
  ASSERT_THAT(ExportAndVerify(&verified), IsOk());
  // Four accesses, and the export itself, which is logged before streaming starts.
  EXPECT_EQ(verified, 5);
}

TEST_F(AuditTest, ChangedEntryIsNamed) {
  ExecSql("UPDATE audit_log SET decision = 1, reason = 'allowed' WHERE seq = 4");
  EXPECT_THAT(ExportAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                          HasSubstr("audit entry 4: hash does not match")));
}

TEST_F(AuditTest, DeletedEntryIsNamed) {
  ExecSql("DELETE FROM audit_log WHERE seq = 2");
  EXPECT_THAT(ExportAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                          HasSubstr("audit entry 3: expected entry 2")));
}

TEST_F(AuditTest, ReorderedEntriesAreNamed) {
  ExecSql(
      "UPDATE audit_log SET seq = -1 WHERE seq = 2;"
      "UPDATE audit_log SET seq = 2 WHERE seq = 3;"
      "UPDATE audit_log SET seq = 3 WHERE seq = -1;");
  EXPECT_THAT(ExportAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 2: prev_hash")));
}

}  // namespace
}  // namespace throughcare::testing
