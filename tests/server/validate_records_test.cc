#include "services/server/validate_records.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/request_examples.h"
#include "tests/server/validate_testing.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::testing::ElementsAre;
using ::throughcare::server::testing::DemoPolicy;
using ::throughcare::server::testing::Dir;
using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::HealthSummary;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

TEST(ValidatePutRecordTest, GoodRequest) {
  auto p = ValidatePutRecord(HealthSummary(), DemoPolicy());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->subject_id, Id("sub"));
  EXPECT_EQ(p->record_type, "health_summary");
  EXPECT_EQ(p->data_class, "health");
  EXPECT_THAT(p->labels, ElementsAre("sealed"));
  EXPECT_EQ(p->body, HealthSummary().body().SerializeAsString());
  EXPECT_FALSE(p->release_date.has_value());
}

TEST(ValidatePutRecordTest, VersionsGoWithRecordIds) {
  v1::PutRecordRequest req = HealthSummary();
  req.set_expected_version(2);
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("expected_version", "must be 0 when creating a record (record_id empty)"));
  req.set_record_id(Id("rec"));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), IsOk());
  req.set_expected_version(0);
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("expected_version",
                         "required when adding a version: the latest version you read"));
  req.set_record_id("rec_1");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), NamesField("record_id"));
}

TEST(ValidatePutRecordTest, NamesTheBodyField) {
  v1::PutRecordRequest req = HealthSummary();
  req.clear_subject_id();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), FieldError("subject_id", "required"));
  req = HealthSummary();
  req.clear_body();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), FieldError("body", "required"));
  req = HealthSummary();
  req.mutable_body()->mutable_health_summary()->mutable_prescriptions(0)->clear_medicine();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.health_summary.prescriptions[0].medicine", "required"));
  req = HealthSummary();
  req.mutable_body()->mutable_health_summary()->mutable_conditions(0)->set_since("April");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.health_summary.conditions[0].since",
                         "expected a date as YYYY-MM-DD"));
}

TEST(ValidatePutRecordTest, DataClassMustBeDeclaredAndFitTheType) {
  v1::PutRecordRequest req = HealthSummary();
  req.clear_data_class();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), FieldError("data_class", "required"));
  req.set_data_class("gossip");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("data_class: unknown data class 'gossip' (expected "
                                             "one of: identity, drugs,")));
  req.set_data_class("drugs");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("data_class", "a health_summary may not be filed as 'drugs' (allowed: "
                                       "health, mental_health)"));
  req.set_data_class("mental_health");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), IsOk());
}

TEST(ValidatePutRecordTest, LabelsMustBeDeclaredOnce) {
  v1::PutRecordRequest req = HealthSummary();
  req.add_labels("sealed");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), FieldError("labels[1]", "given twice"));
  req.set_labels(1, "secret");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("labels[1]: unknown label 'secret' (expected one "
                                             "of: sealed, mappa,")));
}

TEST(ValidatePutRecordTest, EachRecordType) {
  v1::PutRecordRequest req = HealthSummary();
  req.clear_labels();
  req.set_data_class("drugs");
  v1::DrugInterventionsRecord* dir = req.mutable_body()->mutable_drug_interventions_record();
  dir->set_assessment_date("2026-11-02");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.drug_interventions_record.substances", "required"));
  dir->add_substances(std::string(201, 's'));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.drug_interventions_record.substances[0]",
                         "at most 200 characters"));

  req.mutable_body()->mutable_care_plan();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), FieldError("body.care_plan.goals", "required"));
  req.mutable_body()->mutable_care_plan()->add_goals();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.care_plan.goals[0].description", "required"));

  req.set_data_class("accommodation");
  req.mutable_body()->mutable_accommodation_need()->set_current_status("no fixed abode");
  req.mutable_body()->mutable_accommodation_need()->set_local_authority("Z1");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              NamesField("body.accommodation_need.local_authority"));

  req.set_data_class("risk");
  v1::RiskSummary* risk = req.mutable_body()->mutable_risk_summary();
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.risk_summary.risk_of_serious_harm", "required"));
  risk->set_risk_of_serious_harm(v1::RiskSummary::LEVEL_HIGH);
  risk->set_mappa_category(4);
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.risk_summary.mappa_category",
                         "expected 1, 2 or 3 (0 when not a MAPPA case)"));
  risk->set_mappa_category(2);
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.risk_summary.mappa_level",
                         "MAPPA category and level are given together or not at all"));
  risk->set_mappa_level(2);
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()), IsOk());
}

// What an attacker once stored beside a 4,000-character note: a 900 KB prescribing and 5,000
// substances.
TEST(ValidatePutRecordTest, TextAndListsOfADirAreBounded) {
  EXPECT_THAT(ValidatePutRecord(Dir(), DemoPolicy()), IsOk());
  v1::PutRecordRequest req = Dir();
  auto* dir = req.mutable_body()->mutable_drug_interventions_record();
  dir->set_prescribing(std::string(900 * 1024, 'p'));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.drug_interventions_record.prescribing", "at most 1000 characters"));
  req = Dir();
  dir = req.mutable_body()->mutable_drug_interventions_record();
  dir->clear_substances();
  for (int i = 0; i < 5000; ++i) dir->add_substances("alcohol");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.drug_interventions_record.substances", "at most 20 (got 5000)"));
  for (const char* field : {"treatment_status", "treatment_provider"}) {
    req = Dir();
    dir = req.mutable_body()->mutable_drug_interventions_record();
    dir->GetReflection()->SetString(dir, dir->GetDescriptor()->FindFieldByName(field),
                                    std::string(201, 'x'));
    EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
                FieldError(std::string("body.drug_interventions_record.") + field,
                           "at most 200 characters"));
  }
}

TEST(ValidatePutRecordTest, TextAndListsOfOtherTypesAreBounded) {
  v1::PutRecordRequest req = HealthSummary();
  v1::HealthSummary* health = req.mutable_body()->mutable_health_summary();
  health->mutable_prescriptions(0)->set_dose(std::string(201, 'd'));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.health_summary.prescriptions[0].dose", "at most 200 characters"));
  req = HealthSummary();
  health = req.mutable_body()->mutable_health_summary();
  health->mutable_gp()->set_ods_code(std::string(17, 'A'));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.health_summary.gp.ods_code", "at most 16 characters"));
  req = HealthSummary();
  health = req.mutable_body()->mutable_health_summary();
  for (int i = 0; i < 100; ++i) *health->add_conditions() = health->conditions(0);
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.health_summary.conditions", "at most 100 (got 101)"));

  req = HealthSummary();
  req.set_data_class("risk");
  req.clear_labels();
  v1::RiskSummary* risk = req.mutable_body()->mutable_risk_summary();
  risk->set_risk_of_serious_harm(v1::RiskSummary::LEVEL_LOW);
  risk->set_victim_details(std::string(4001, 'v'));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.risk_summary.victim_details", "at most 4000 characters"));

  req.set_data_class("drugs");
  v1::CarePlan* plan = req.mutable_body()->mutable_care_plan();
  for (int i = 0; i < 51; ++i) plan->add_goals()->set_description("stay in treatment");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.care_plan.goals", "at most 50 (got 51)"));
}

// A risk level the API does not declare was once stored, and then printed as a number.
TEST(ValidatePutRecordTest, RiskLevelMustBeDeclared) {
  v1::PutRecordRequest req = HealthSummary();
  req.set_data_class("risk");
  req.clear_labels();
  v1::RiskSummary* risk = req.mutable_body()->mutable_risk_summary();
  risk->set_risk_of_serious_harm(static_cast<v1::RiskSummary::Level>(99));
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.risk_summary.risk_of_serious_harm",
                         "unknown value 99 (expected one of: LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH, "
                         "LEVEL_VERY_HIGH)"));
}

TEST(ValidateGetRecordTest, IdVersionAndReason) {
  v1::GetRecordRequest req;
  req.set_record_id(Id("rec"));
  EXPECT_THAT(ValidateGetRecord(req), IsOk());
  req.set_version(-1);
  EXPECT_THAT(ValidateGetRecord(req),
              FieldError("version", "must be 0 (latest) or a version number"));
  req.set_version(0);
  req.set_break_glass_reason(std::string(2001, 'r'));
  EXPECT_THAT(ValidateGetRecord(req), FieldError("break_glass_reason", "at most 2000 characters"));
  v1::ListRecordsRequest list;
  EXPECT_THAT(ValidateListRecords(list), FieldError("subject_id", "required"));
  list.set_subject_id(Id("sub"));
  EXPECT_THAT(ValidateListRecords(list), IsOk());
}

TEST(ValidatePutRecordTest, ReleaseNotificationGivesTheReleaseDate) {
  v1::PutRecordRequest req = HealthSummary();
  req.clear_labels();
  req.set_data_class("custody");
  v1::ReleaseNotification* release = req.mutable_body()->mutable_release_notification();
  release->set_release_date("2026-12-03");
  EXPECT_THAT(ValidatePutRecord(req, DemoPolicy()),
              FieldError("body.release_notification.releasing_establishment", "required"));
  release->set_releasing_establishment("HMP Northgate");
  auto p = ValidatePutRecord(req, DemoPolicy());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->release_date, absl::CivilDay(2026, 12, 3));
}

TEST(ValidateRecordContentTest, PrefixesEveryField) {
  records::PutRecordParams p;
  v1::RecordBody body;
  google::protobuf::RepeatedPtrField<std::string> labels;
  auto check = [&](bool has_body, const std::string& data_class) {
    return ValidateRecordContent(has_body, body, data_class, labels, DemoPolicy(),
                                 "inline_record.", p);
  };
  EXPECT_THAT(check(false, "drugs"), FieldError("inline_record.body", "required"));
  body.mutable_care_plan()->add_goals()->set_description("stay in treatment");
  EXPECT_THAT(check(true, ""), FieldError("inline_record.data_class", "required"));
  *labels.Add() = "nope";
  EXPECT_THAT(check(true, "drugs"), NamesField("inline_record.labels[0]"));
  labels[0] = "mappa";
  EXPECT_THAT(check(true, "drugs"), IsOk());
  EXPECT_EQ(p.record_type, "care_plan");
}

TEST(RecordTypeOfTest, NamesTheOneofField) {
  v1::RecordBody body;
  EXPECT_EQ(RecordTypeOf(body), "");
  body.mutable_accommodation_need();
  EXPECT_EQ(RecordTypeOf(body), "accommodation_need");
  body.mutable_drug_interventions_record();
  EXPECT_EQ(RecordTypeOf(body), "drug_interventions_record");
}

TEST(ValidateListErasuresTest, TimestampsWithinYears1To9999) {
  v1::ListErasuresRequest req;
  req.mutable_from_time()->set_seconds(1000);
  req.mutable_until_time()->set_seconds(2000);
  EXPECT_THAT(ValidateListErasures(req), IsOk());
  req.mutable_until_time()->set_seconds(253402300800);  // 10000-01-01
  EXPECT_THAT(ValidateListErasures(req), NamesField("until_time"));
  req.mutable_until_time()->set_seconds(2000);
  req.mutable_from_time()->set_nanos(-5);
  EXPECT_THAT(ValidateListErasures(req),
              FieldError("from_time", "nanos must be from 0 to 999999999 (got -5)"));
}

TEST(ValidateEraseTest, AnIdAndAReason) {
  v1::EraseRecordRequest record;
  record.set_record_id(Id("rec"));
  record.set_reason("Erasure request ER-1, upheld");
  EXPECT_THAT(ValidateEraseRecord(record), IsOk());
  record.set_record_id(Id("sub"));
  EXPECT_THAT(ValidateEraseRecord(record), NamesField("record_id"));
  v1::EraseSubjectRequest subject;
  subject.set_subject_id(Id("sub"));
  subject.set_reason(std::string(1001, 'x'));
  EXPECT_THAT(ValidateEraseSubject(subject), NamesField("reason"));
}

TEST(ValidateRecordReferenceTest, IdAndVersion) {
  v1::RecordReference ref;
  ref.set_record_id(Id("rec"));
  auto r = ValidateRecordReference(ref, "records[2]");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->record_id, Id("rec"));
  EXPECT_EQ(r->version, 0);
  ref.set_version(-1);
  EXPECT_THAT(ValidateRecordReference(ref, "records[2]"),
              FieldError("records[2].version", "must be 0 (latest) or a version number"));
  ref.clear_record_id();
  EXPECT_THAT(ValidateRecordReference(ref, "records[2]"),
              FieldError("records[2].record_id", "required"));
}

}  // namespace
}  // namespace throughcare::server
