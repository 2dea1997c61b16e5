// RecordService against the real broker: versions, ownership, access by role, bad input,
// encryption at rest and fail-closed audit.

#include "gmock/gmock.h"
#include "tests/integration/direct_database.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kMarker[] = "Zopiclone-MARKER-7Q4X";

class RecordsTest : public BrokerTest {
 protected:
  // The person is held at HMP Northgate (custody), and its healthcare unit and probation work
  // with them (allocations).
  void SetUp() override {
    BrokerTest::SetUp();
    subject_id_ = RegisterPerson();
    Relate(kHealthcare, subject_id_);
    Relate(kOffenderManager, subject_id_);
  }

  v1::PutRecordRequest HealthSummary(const std::string& medicine) {
    v1::PutRecordRequest req;
    req.set_purpose("direct_care");
    req.set_subject_id(subject_id_);
    req.set_data_class("health");
    req.add_labels("not_convicted");
    auto* h = req.mutable_body()->mutable_health_summary();
    h->add_conditions()->set_name("opioid dependence");
    auto* p = h->add_prescriptions();
    p->set_medicine(medicine);
    p->set_dose("30 ml");
    p->set_frequency("daily");
    h->mutable_gp()->set_practice_name("Synthetic Street Surgery");
    h->mutable_gp()->set_ods_code("Y99999");
    return req;
  }

  grpc::Status Put(const Actor& actor, const v1::PutRecordRequest& req, v1::Record* out) {
    return Records(actor.agency)->PutRecord(ContextFor(actor).get(), req, out);
  }

  grpc::Status Get(const Actor& actor, const std::string& purpose, const std::string& record_id,
                   int64_t version, v1::Record* out) {
    v1::GetRecordRequest req;
    req.set_purpose(purpose);
    req.set_record_id(record_id);
    req.set_version(version);
    return Records(actor.agency)->GetRecord(ContextFor(actor).get(), req, out);
  }

  std::string subject_id_;
};

TEST_F(RecordsTest, PutGetNewVersionAndList) {
  v1::Record created;
  grpc::Status s = Put(kHealthcare, HealthSummary("methadone"), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(created.record_id(), StartsWith("rec_"));
  EXPECT_EQ(created.version(), 1);
  EXPECT_EQ(created.record_type(), "health_summary");
  EXPECT_EQ(created.owner_agency(), "hmp-northgate-healthcare");
  EXPECT_EQ(created.author_user(), "nurse-1");
  EXPECT_EQ(created.collected_for(), "direct_care");
  EXPECT_THAT(created.labels(), ElementsAre("not_convicted"));
  EXPECT_FALSE(created.has_body()) << "put answers with the header only";

  v1::PutRecordRequest update = HealthSummary("buprenorphine");
  update.set_record_id(created.record_id());
  update.set_expected_version(1);
  v1::Record v2;
  ASSERT_TRUE(Put(kHealthcare, update, &v2).ok());
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(v2.record_id(), created.record_id());

  // With the person's consent, a probation offender manager reads the latest version, and the
  // first one.
  RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  v1::Record read;
  s = Get(kOffenderManager, "offender_management", created.record_id(), 0, &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(read.version(), 2);
  EXPECT_EQ(read.body().health_summary().prescriptions(0).medicine(), "buprenorphine");
  EXPECT_EQ(read.body().health_summary().gp().ods_code(), "Y99999");
  ASSERT_TRUE(Get(kOffenderManager, "offender_management", created.record_id(), 1, &read).ok());
  EXPECT_EQ(read.body().health_summary().prescriptions(0).medicine(), "methadone");
  EXPECT_EQ(Get(kOffenderManager, "offender_management", created.record_id(), 3, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // A DIR from the prison's CARAT team; the offender manager sees both, housing neither.
  v1::PutRecordRequest dir;
  dir.set_purpose("direct_care");
  dir.set_subject_id(subject_id_);
  dir.set_data_class("drugs");
  auto* d = dir.mutable_body()->mutable_drug_interventions_record();
  d->set_assessment_date(DateFromToday(-30));
  d->add_substances("heroin");
  v1::Record dir_record;
  s = Put(kCarat, dir, &dir_record);
  ASSERT_TRUE(s.ok()) << s.error_message();
  RecordConsent(kCarat, subject_id_, "drugs", "probation-east", "offender_management");

  v1::ListRecordsRequest list;
  list.set_purpose("offender_management");
  list.set_subject_id(subject_id_);
  v1::ListRecordsResponse listed;
  ASSERT_TRUE(Records("probation-east")->ListRecords(ContextFor(kOffenderManager).get(), list, &listed).ok());
  ASSERT_THAT(listed.records(), SizeIs(2));
  EXPECT_EQ(listed.records(0).version(), 2);
  EXPECT_FALSE(listed.records(0).has_body());
  EXPECT_EQ(listed.records(1).record_type(), "drug_interventions_record");

  // Housing, without a relationship, cannot see the person at all; with one, and no consent,
  // it sees none of the records.
  list.set_purpose("resettlement");
  EXPECT_EQ(Records("housing-east")->ListRecords(ContextFor(kHousing).get(), list, &listed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Relate(kHousing, subject_id_);
  ASSERT_TRUE(Records("housing-east")->ListRecords(ContextFor(kHousing).get(), list, &listed).ok());
  EXPECT_THAT(listed.records(), SizeIs(0));
}

TEST_F(RecordsTest, HousingOfficerIsRefusedTheHealthSummary) {
  v1::Record created;
  ASSERT_TRUE(Put(kHealthcare, HealthSummary("methadone"), &created).ok());
  v1::Record read;
  // Housing works with the person, but its role may not read health data at all.
  Relate(kHousing, subject_id_);
  grpc::Status s = Get(kHousing, "resettlement", created.record_id(), 0, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("housing_officer"));
  EXPECT_THAT(s.error_message(), HasSubstr("health"));
  EXPECT_FALSE(read.has_body());
}

TEST_F(RecordsTest, StaleExpectedVersionIsAborted) {
  v1::Record created;
  ASSERT_TRUE(Put(kHealthcare, HealthSummary("methadone"), &created).ok());
  v1::PutRecordRequest update = HealthSummary("buprenorphine");
  update.set_record_id(created.record_id());
  update.set_expected_version(1);
  v1::Record out;
  ASSERT_TRUE(Put(kHealthcare, update, &out).ok());
  // A second writer that also read version 1.
  update.mutable_body()->mutable_health_summary()->mutable_prescriptions(0)->set_medicine("naltrexone");
  grpc::Status s = Put(kHealthcare, update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(s.error_message(), HasSubstr("expected_version: 1 is stale"));
  EXPECT_THAT(s.error_message(), HasSubstr("version 2"));
}

TEST_F(RecordsTest, OnlyTheOwningAgencyPutsVersionsAndTheTypeCannotChange) {
  v1::Record created;
  ASSERT_TRUE(Put(kHealthcare, HealthSummary("methadone"), &created).ok());

  // prison_healthcare is the only role that may write health, so use a role that may write drugs
  // to try to overwrite a record the CARAT team does not own... via a DIR of its own first:
  v1::PutRecordRequest dir = DirRequest(subject_id_);
  v1::Record carat_dir;
  ASSERT_TRUE(Put(kCarat, dir, &carat_dir).ok());
  // The CJIT (another agency) may write drugs data but does not own the prison's DIR.
  dir.set_record_id(carat_dir.record_id());
  dir.set_expected_version(1);
  Relate(kCjit, subject_id_);
  v1::Record out;
  grpc::Status s = Put(kCjit, dir, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("owned by agency 'hmp-northgate'"));

  // The owner cannot turn its DIR into a care plan.
  v1::PutRecordRequest plan = dir;
  plan.mutable_body()->mutable_care_plan()->add_goals()->set_description("stabilise");
  s = Put(kCarat, plan, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("drug_interventions_record"));
}

TEST_F(RecordsTest, MalformedFieldsAreInvalidArgumentNamingTheField) {
  struct Case {
    std::function<void(v1::PutRecordRequest&)> change;
    std::string expected;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.set_subject_id(""); }, "subject_id: required"},
      {[](auto& r) { r.set_subject_id("sub_x"); }, "subject_id: malformed id"},
      {[](auto& r) { r.set_expected_version(3); }, "expected_version: must be 0"},
      {[](auto& r) { r.set_record_id("rec_aaaaaaaaaaaaaaaaaaaaaaaaaa"); }, "expected_version: required"},
      {[](auto& r) { r.set_record_id("record-1"); r.set_expected_version(1); }, "record_id: malformed id"},
      {[](auto& r) { r.clear_body(); }, "body: required"},
      {[](auto& r) { r.mutable_body()->mutable_health_summary()->mutable_conditions(0)->set_name(""); },
       "body.health_summary.conditions[0].name: required"},
      {[](auto& r) { r.mutable_body()->mutable_health_summary()->mutable_conditions(0)->set_since("1/2/2020"); },
       "body.health_summary.conditions[0].since: expected a date"},
      {[](auto& r) { r.mutable_body()->mutable_health_summary()->mutable_prescriptions(0)->set_medicine(""); },
       "body.health_summary.prescriptions[0].medicine: required"},
      {[](auto& r) { r.set_data_class(""); }, "data_class: required"},
      {[](auto& r) { r.set_data_class("gossip"); }, "data_class: unknown data class 'gossip'"},
      {[](auto& r) { r.set_data_class("risk"); }, "data_class: a health_summary may not be filed as 'risk'"},
      {[](auto& r) { r.add_labels("secret"); }, "labels[1]: unknown label 'secret'"},
      {[](auto& r) { r.add_labels("not_convicted"); }, "labels[1]: given twice"},
      {[](auto& r) { r.mutable_body()->mutable_risk_summary()->set_mappa_category(2); },
       "body.risk_summary.risk_of_serious_harm: required"},
  };
  for (const Case& c : cases) {
    v1::PutRecordRequest req = HealthSummary("methadone");
    c.change(req);
    v1::Record out;
    grpc::Status s = Put(kHealthcare, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.expected;
    EXPECT_THAT(s.error_message(), StartsWith(c.expected));
  }
  v1::PutRecordRequest risk;
  risk.set_purpose("offender_management");
  risk.set_subject_id(subject_id_);
  risk.set_data_class("risk");
  auto* r = risk.mutable_body()->mutable_risk_summary();
  r->set_risk_of_serious_harm(v1::RiskSummary::LEVEL_HIGH);
  r->set_mappa_category(2);
  v1::Record out;
  grpc::Status s = Put(kOffenderManager, risk, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("body.risk_summary.mappa_level"));
  r->set_mappa_level(2);
  s = Put(kOffenderManager, risk, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();

  v1::Record read;
  EXPECT_EQ(Get(kOffenderManager, "offender_management", "", 0, &read).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Get(kOffenderManager, "offender_management", out.record_id(), -1, &read).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RecordsTest, UnknownSubjectOrRecordIsNotFound) {
  v1::PutRecordRequest req = HealthSummary("methadone");
  req.set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  v1::Record out;
  grpc::Status s = Put(kHealthcare, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), StartsWith("subject_id:"));
  s = Get(kOffenderManager, "offender_management", "rec_aaaaaaaaaaaaaaaaaaaaaaaaaa", 0, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), StartsWith("record_id:"));
}

TEST_F(RecordsTest, RecordContentsAreEncryptedAtRest) {
  v1::Record created;
  ASSERT_TRUE(Put(kHealthcare, HealthSummary(kMarker), &created).ok());
  v1::Record read;
  ASSERT_TRUE(Get(kHealthcare, "direct_care", created.record_id(), 0, &read).ok());
  ASSERT_EQ(read.body().health_summary().prescriptions(0).medicine(), kMarker);
  StopBroker();  // SQLite: the main file and any WAL left behind are both searched
  ASSERT_OK_AND_ASSIGN(std::string bytes, StoredBytes(config_));
  ASSERT_GT(bytes.size(), 0u);
  EXPECT_EQ(bytes.find(kMarker), std::string::npos) << "record contents found in the clear";
  EXPECT_EQ(bytes.find("Synthetic Street Surgery"), std::string::npos);
  // The header is stored in the clear and is found: the search itself works.
  EXPECT_NE(bytes.find(created.record_id()), std::string::npos);
}

TEST_F(RecordsTest, ReadsThatCannotBeAuditedDiscloseNothing) {
  v1::Record created;
  ASSERT_TRUE(Put(kHealthcare, HealthSummary(kMarker), &created).ok());
  StopBroker();
  ASSERT_THAT(BreakAuditInserts(config_), IsOk());
  StartBroker();

  v1::Record read;
  grpc::Status s = Get(kHealthcare, "direct_care", created.record_id(), 0, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("audit log unavailable"));
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("sqlite"))) << "internals stay in the log";
  EXPECT_FALSE(read.has_body());
  v1::ListRecordsRequest list;
  list.set_purpose("direct_care");
  list.set_subject_id(subject_id_);
  v1::ListRecordsResponse listed;
  s = Records("hmp-northgate-healthcare")->ListRecords(ContextFor(kHealthcare).get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(listed.records(), SizeIs(0));
}

TEST_F(RecordsTest, FailedAuditAppendFailsTheCallAndKeepsNoChange) {
  StopBroker();
  ASSERT_THAT(BreakAuditInserts(config_), IsOk());
  StartBroker();

  v1::Record out;
  grpc::Status s = Put(kHealthcare, HealthSummary("methadone"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("audit log unavailable"));
  EXPECT_TRUE(out.record_id().empty());

  StopBroker();
  EXPECT_THAT(DirectQuery(config_, "SELECT COUNT(*) FROM records"), IsOkAndHolds("0"))
      << "the record must not remain when its audit entry could not be written";
  EXPECT_THAT(DirectQuery(config_, "SELECT COUNT(*) FROM subject_keys"), IsOkAndHolds("0"));
}

}  // namespace
}  // namespace throughcare::testing
