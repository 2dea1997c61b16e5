#include "services/server/validate_consent.h"

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
using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::server::testing::SignedConsent;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

absl::StatusOr<consent::RecordConsentParams> Record(const v1::RecordConsentRequest& req) {
  return ValidateRecordConsent(req, DemoPolicy(), testing::DemoAgencies());
}

TEST(ValidateRecordConsentTest, GoodRequest) {
  auto p = Record(SignedConsent());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->subject_id, Id("sub"));
  EXPECT_THAT(p->data_classes, ElementsAre("health"));
  EXPECT_THAT(p->recipient_agencies, ElementsAre("probation-east"));
  EXPECT_THAT(p->purposes, ElementsAre("offender_management"));
  EXPECT_EQ(p->valid_from, absl::FromUnixSeconds(1000));
  EXPECT_EQ(p->valid_until, absl::FromUnixSeconds(2000));
  EXPECT_EQ(p->evidence, ConsentEvidence::kSignedForm);
  EXPECT_EQ(p->evidence_reference, "HC file 2024/117");
}

TEST(ValidateRecordConsentTest, ClassesPurposesAndRecipients) {
  v1::RecordConsentRequest req = SignedConsent();
  req.add_data_classes("gossip");
  EXPECT_THAT(Record(req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("data_classes[1]: unknown data class 'gossip'")));
  req = SignedConsent();
  req.clear_purposes();
  EXPECT_THAT(Record(req),
              FieldError("purposes", "at least one is required"));
  req = SignedConsent();
  req.clear_recipient_agencies();
  EXPECT_THAT(Record(req),
              FieldError("recipient_agencies",
                         "name at least one recipient agency or agency kind"));
  req.add_recipient_kinds("cjit");
  EXPECT_THAT(Record(req), IsOk());
  req.add_recipient_kinds("astrologers");
  EXPECT_THAT(Record(req),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith(
                           "recipient_kinds[1]: unknown agency kind 'astrologers' (expected one "
                           "of: prison, prison_healthcare,")));
  req = SignedConsent();
  req.add_recipient_agencies("");
  EXPECT_THAT(Record(req),
              FieldError("recipient_agencies[1]", "required"));
  req.set_recipient_agencies(1, std::string(65, 'a'));
  EXPECT_THAT(Record(req),
              FieldError("recipient_agencies[1]", "at most 64 characters"));
}

// consent.proto: recipients are agencies the broker knows; a consent to a made-up one would
// never cover anything, and would be listed as if it did.
TEST(ValidateRecordConsentTest, RecipientAgenciesAreRegisteredOnceEachAtMost50) {
  v1::RecordConsentRequest req = SignedConsent();
  req.add_recipient_agencies("probation-west");
  EXPECT_THAT(Record(req),
              FieldError("recipient_agencies[1]",
                         "unknown agency 'probation-west': none of that id is registered with "
                         "the broker"));
  req.set_recipient_agencies(1, "probation-east");
  EXPECT_THAT(Record(req), FieldError("recipient_agencies[1]", "given twice"));
  req = SignedConsent();
  for (int i = 0; i < 50; ++i) req.add_recipient_agencies("cjit-east");
  EXPECT_THAT(Record(req), FieldError("recipient_agencies", "at most 50 (got 51)"));
}

TEST(ValidateRecordConsentTest, EvidenceOutOfRange) {
  v1::RecordConsentRequest req = SignedConsent();
  req.set_evidence(static_cast<v1::ConsentEvidence>(42));
  EXPECT_THAT(Record(req),
              FieldError("evidence", "unknown value 42 (expected one of: "
                                     "CONSENT_EVIDENCE_SIGNED_FORM, "
                                     "CONSENT_EVIDENCE_VERBAL_WITNESSED, "
                                     "CONSENT_EVIDENCE_REPRESENTATIVE)"));
}

TEST(ValidateRecordConsentTest, Period) {
  v1::RecordConsentRequest req = SignedConsent();
  req.clear_valid_until();
  EXPECT_THAT(Record(req), FieldError("valid_until", "required"));
  req.mutable_valid_until()->set_seconds(1000);
  EXPECT_THAT(Record(req),
              FieldError("valid_until", "must be after valid_from"));
  req.clear_valid_from();
  auto p = Record(req);
  ASSERT_THAT(p, IsOk());
  EXPECT_FALSE(p->valid_from.has_value());
}

TEST(ValidateRecordConsentTest, TimestampsWithinYears1To9999) {
  v1::RecordConsentRequest req = SignedConsent();
  // Year 294247, as a consent once was stored with.
  req.mutable_valid_from()->set_seconds(9223372036854);
  EXPECT_THAT(Record(req), NamesField("valid_from"));
  req = SignedConsent();
  req.mutable_valid_until()->set_seconds(253402300800);
  EXPECT_THAT(Record(req), NamesField("valid_until"));
  req = SignedConsent();
  req.mutable_valid_until()->set_nanos(-5);
  EXPECT_THAT(Record(req),
              FieldError("valid_until", "nanos must be from 0 to 999999999 (got -5)"));
}

TEST(ValidateRecordConsentTest, EachEvidenceNeedsItsDetail) {
  v1::RecordConsentRequest req = SignedConsent();
  req.clear_evidence_reference();
  EXPECT_THAT(Record(req),
              FieldError("evidence_reference", "required for a signed form: where it is kept"));
  req.set_evidence(v1::CONSENT_EVIDENCE_VERBAL_WITNESSED);
  EXPECT_THAT(Record(req),
              FieldError("evidence_detail", "required for verbal consent: the witness"));
  req.set_evidence(v1::CONSENT_EVIDENCE_REPRESENTATIVE);
  EXPECT_THAT(Record(req),
              FieldError("evidence_detail",
                         "required for consent by a representative: who, and their standing"));
  req.set_evidence_detail("the person's mother, with lasting power of attorney");
  auto p = Record(req);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->evidence, ConsentEvidence::kRepresentative);
  req.set_evidence_detail(std::string(1001, 'd'));
  EXPECT_THAT(Record(req),
              FieldError("evidence_detail", "at most 1000 characters"));
  req.clear_evidence();
  EXPECT_THAT(Record(req),
              FieldError("evidence", "required (SIGNED_FORM, VERBAL_WITNESSED or REPRESENTATIVE)"));
}

TEST(ValidateWithdrawConsentTest, IdAndReason) {
  v1::WithdrawConsentRequest req;
  req.set_consent_id(Id("con"));
  EXPECT_THAT(ValidateWithdrawConsent(req), FieldError("reason", "required"));
  req.set_reason("withdrawn at review");
  EXPECT_THAT(ValidateWithdrawConsent(req), IsOk());
  req.set_consent_id(Id("sub"));
  EXPECT_THAT(ValidateWithdrawConsent(req), NamesField("consent_id"));
}

// Agencies the explanation may be asked for: only housing-east.
absl::StatusOr<std::string> KindOf(const std::string& agency) {
  if (agency == "housing-east") return std::string("housing");
  return absl::NotFoundError(agency);
}

absl::StatusOr<consent::CheckAccessParams> Check(const v1::CheckAccessRequest& req) {
  return ValidateCheckAccess(req, DemoPolicy(), KindOf);
}

TEST(ValidateCheckAccessTest, RecordOrDataClass) {
  v1::CheckAccessRequest req;
  EXPECT_THAT(Check(req),
              FieldError("record_id", "give either a record_id or a data_class"));
  req.set_record_id(Id("rec"));
  auto p = Check(req);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->action, "record.read");
  EXPECT_FALSE(p->as.has_value());
  req.set_data_class("drugs");
  EXPECT_THAT(Check(req), NamesField("record_id"));
  req.clear_record_id();
  EXPECT_THAT(Check(req), FieldError("subject_id", "required"));
  req.set_subject_id(Id("sub"));
  EXPECT_THAT(Check(req), IsOk());
  req.set_data_class("gossip");
  EXPECT_THAT(Check(req),
              FieldError("data_class", "unknown data class 'gossip'"));
}

TEST(ValidateCheckAccessTest, ExplainedPractitioner) {
  v1::CheckAccessRequest req;
  req.set_subject_id(Id("sub"));
  req.set_data_class("health");
  req.set_access_purpose("resettlement");
  req.set_as_agency("housing-east");
  EXPECT_THAT(Check(req),
              FieldError("as_agency", "as_agency, as_user and as_role go together"));
  req.set_as_user("housing-officer-1");
  req.set_as_role("housing_officer");
  auto p = Check(req);
  ASSERT_THAT(p, IsOk());
  ASSERT_TRUE(p->as.has_value());
  EXPECT_EQ(p->as->agency_id, "housing-east");
  EXPECT_EQ(p->as->agency_kind, "housing");
  EXPECT_EQ(p->as->user_id, "housing-officer-1");
  EXPECT_EQ(p->as->role, "housing_officer");
  EXPECT_EQ(p->as->system_id, "(explanation)");
  EXPECT_EQ(p->access_purpose, "resettlement");

  req.set_as_role("wizard");
  EXPECT_THAT(Check(req),
              FieldError("as_role", "unknown role 'wizard'"));
  req.set_as_agency("nowhere");
  EXPECT_THAT(Check(req),
              FieldError("as_agency", "unknown agency 'nowhere'"));
  req.set_access_purpose("curiosity");
  EXPECT_THAT(Check(req),
              FieldError("access_purpose", "unknown purpose 'curiosity'"));
  req.set_break_glass_reason(std::string(2001, 'r'));
  EXPECT_THAT(Check(req),
              FieldError("break_glass_reason", "at most 2000 characters"));
}

}  // namespace
}  // namespace throughcare::server
