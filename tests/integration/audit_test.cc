// AuditService against the real broker: every access is logged with who, what, why and the
// decision; auditors query and export it; tampering with the database is detected.
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "client/audit_entry.h"
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
  // The demo story: register (with custody), healthcare stores a health summary and records
  // consent for probation, probation reads it, housing (also working with the person) is
  // refused. Nine audited calls.
  void SetUp() override {
    BrokerTest::SetUp();
    subject_id_ = RegisterPerson();  // 1 register, 2 custody
    Relate(kHealthcare, subject_id_);  // 3

    v1::PutRecordRequest put;
    put.set_purpose("direct_care");
    put.set_subject_id(subject_id_);
    put.set_data_class("health");
    put.mutable_body()->mutable_health_summary()->add_conditions()->set_name("asthma");
    v1::Record record;
    ASSERT_TRUE(Records("hmp-northgate-healthcare")->PutRecord(ContextFor(kHealthcare).get(), put, &record).ok());  // 4
    record_id_ = record.record_id();
    consent_id_ = RecordConsent(kHealthcare, subject_id_, "health", "probation-east",
                                "offender_management");  // 5
    Relate(kOffenderManager, subject_id_);  // 6
    Relate(kHousing, subject_id_);  // 7

    v1::GetRecordRequest get;
    get.set_record_id(record_id_);
    get.set_purpose("offender_management");
    v1::Record read;
    ASSERT_TRUE(Records("probation-east")->GetRecord(ContextFor(kOffenderManager).get(), get, &read).ok());  // 8
    get.set_purpose("resettlement");
    ASSERT_EQ(Records("housing-east")->GetRecord(ContextFor(kHousing).get(), get, &read).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);  // 9
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
      absl::StatusOr<AuditEntry> entry = client::AuditEntryFromProto(e);
      if (result.ok()) result = entry.ok() ? verifier.Add(*entry) : entry.status();
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
  std::string consent_id_;
};

TEST_F(AuditTest, EveryAccessIsLoggedWithWhoWhatWhyAndTheDecision) {
  v1::QueryAuditLogRequest req;
  req.set_subject_id(subject_id_);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(req, &resp).ok());
  std::vector<std::string> actions;
  for (const auto& e : resp.entries()) actions.push_back(e.action());
  EXPECT_THAT(actions, ElementsAre("subject.register", "relationship.write", "relationship.write",
                                   "record.write", "consent.write", "relationship.write",
                                   "relationship.write", "record.read", "record.read"));
  ASSERT_THAT(resp.entries(), SizeIs(9));

  const v1::AuditEntry& write = resp.entries(3);
  EXPECT_EQ(write.basis(), "own agency's record");

  const v1::AuditEntry& read = resp.entries(7);
  EXPECT_EQ(read.agency_id(), "probation-east");
  EXPECT_EQ(read.system_id(), "probation-east-system");
  EXPECT_EQ(read.user_id(), "om-1");
  EXPECT_EQ(read.role(), "offender_manager");
  EXPECT_EQ(read.record_id(), record_id_);
  EXPECT_EQ(read.record_version(), 1);
  EXPECT_EQ(read.purpose(), "offender_management");
  EXPECT_EQ(read.decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(read.reason(), HasSubstr("rule"));
  EXPECT_EQ(read.basis(), absl::StrCat("consent ", consent_id_, " v1"));
  EXPECT_THAT(read.policy_version(), ::testing::StartsWith("sha256:"));
  EXPECT_THAT(read.request_id(), ::testing::StartsWith("req_"));
  EXPECT_EQ(read.outcome(), "OK");

  const v1::AuditEntry& refused = resp.entries(8);
  EXPECT_EQ(refused.agency_id(), "housing-east");
  EXPECT_EQ(refused.decision(), v1::DECISION_DENY);
  EXPECT_EQ(refused.outcome(), "PERMISSION_DENIED");
  EXPECT_THAT(refused.reason(), HasSubstr("housing_officer"));
  EXPECT_EQ(refused.basis(), "");
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
  ASSERT_THAT(resp.entries(), SizeIs(3));
  EXPECT_EQ(resp.entries(1).action(), "record.write");

  v1::QueryAuditLogRequest future;
  future.mutable_from_time()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  ASSERT_TRUE(Query(future, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(0));

  v1::QueryAuditLogRequest paged;
  paged.set_subject_id(subject_id_);
  paged.set_action("record.read");
  paged.mutable_page()->set_page_size(1);
  ASSERT_TRUE(Query(paged, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).decision(), v1::DECISION_ALLOW);
  ASSERT_FALSE(resp.next_page_token().empty());
  paged.mutable_page()->set_page_token(resp.next_page_token());
  ASSERT_TRUE(Query(paged, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).decision(), v1::DECISION_DENY);
  EXPECT_TRUE(resp.next_page_token().empty());

  // The auditor's queries about this person are themselves in the log, about the person.
  v1::QueryAuditLogRequest queries;
  queries.set_subject_id(subject_id_);
  queries.set_action("audit.query");
  ASSERT_TRUE(Query(queries, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(2));
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
  // Nine accesses, and the export itself, which is logged before streaming starts.
  EXPECT_EQ(verified, 10);
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
