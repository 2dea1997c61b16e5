#include "services/server/validate_consent.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/validate_testing.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::testing::ElementsAre;
using ::throughcare::server::testing::DemoPolicy;
using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

// A signed consent for health data to go to probation for offender management.
v1::RecordConsentRequest SignedConsent() {
  v1::RecordConsentRequest req;
  req.set_subject_id(Id("sub"));
  req.add_data_classes("health");
  req.add_recipient_agencies("probation-east");
  req.add_purposes("offender_management");
  req.mutable_valid_from()->set_seconds(1000);
  req.mutable_valid_until()->set_seconds(2000);
  req.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
  req.set_evidence_reference("HC file 2024/117");
  return req;
}

TEST(ValidateRecordConsentTest, GoodRequest) {
  auto p = ValidateRecordConsent(SignedConsent(), DemoPolicy());
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
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("data_classes[1]: unknown data class 'gossip'")));
  req = SignedConsent();
  req.clear_purposes();
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("purposes", "at least one is required"));
  req = SignedConsent();
  req.clear_recipient_agencies();
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("recipient_agencies",
                         "name at least one recipient agency or agency kind"));
  req.add_recipient_kinds("cjit");
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()), IsOk());
  req.add_recipient_kinds("astrologers");
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith(
                           "recipient_kinds[1]: unknown agency kind 'astrologers' (expected one "
                           "of: prison, prison_healthcare,")));
  req = SignedConsent();
  req.add_recipient_agencies("");
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("recipient_agencies[1]", "required"));
  req.set_recipient_agencies(1, std::string(65, 'a'));
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("recipient_agencies[1]", "at most 64 characters"));
}

TEST(ValidateRecordConsentTest, Period) {
  v1::RecordConsentRequest req = SignedConsent();
  req.clear_valid_until();
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()), FieldError("valid_until", "required"));
  req.mutable_valid_until()->set_seconds(1000);
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("valid_until", "must be after valid_from"));
  req.clear_valid_from();
  auto p = ValidateRecordConsent(req, DemoPolicy());
  ASSERT_THAT(p, IsOk());
  EXPECT_FALSE(p->valid_from.has_value());
}

TEST(ValidateRecordConsentTest, EachEvidenceNeedsItsDetail) {
  v1::RecordConsentRequest req = SignedConsent();
  req.clear_evidence_reference();
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("evidence_reference", "required for a signed form: where it is kept"));
  req.set_evidence(v1::CONSENT_EVIDENCE_VERBAL_WITNESSED);
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("evidence_detail", "required for verbal consent: the witness"));
  req.set_evidence(v1::CONSENT_EVIDENCE_REPRESENTATIVE);
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("evidence_detail",
                         "required for consent by a representative: who, and their standing"));
  req.set_evidence_detail("the person's mother, with lasting power of attorney");
  auto p = ValidateRecordConsent(req, DemoPolicy());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->evidence, ConsentEvidence::kRepresentative);
  req.set_evidence_detail(std::string(1001, 'd'));
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
              FieldError("evidence_detail", "at most 1000 characters"));
  req.clear_evidence();
  EXPECT_THAT(ValidateRecordConsent(req, DemoPolicy()),
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

TEST(ValidateCheckAccessTest, RecordOrDataClass) {
  v1::CheckAccessRequest req;
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("record_id", "give either a record_id or a data_class"));
  req.set_record_id(Id("rec"));
  auto p = ValidateCheckAccess(req, DemoPolicy(), KindOf);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->action, "record.read");
  EXPECT_FALSE(p->as.has_value());
  req.set_data_class("drugs");
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf), NamesField("record_id"));
  req.clear_record_id();
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf), FieldError("subject_id", "required"));
  req.set_subject_id(Id("sub"));
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf), IsOk());
  req.set_data_class("gossip");
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("data_class", "unknown data class 'gossip'"));
}

TEST(ValidateCheckAccessTest, ExplainedPractitioner) {
  v1::CheckAccessRequest req;
  req.set_subject_id(Id("sub"));
  req.set_data_class("health");
  req.set_access_purpose("resettlement");
  req.set_as_agency("housing-east");
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("as_agency", "as_agency, as_user and as_role go together"));
  req.set_as_user("housing-officer-1");
  req.set_as_role("housing_officer");
  auto p = ValidateCheckAccess(req, DemoPolicy(), KindOf);
  ASSERT_THAT(p, IsOk());
  ASSERT_TRUE(p->as.has_value());
  EXPECT_EQ(p->as->agency_id, "housing-east");
  EXPECT_EQ(p->as->agency_kind, "housing");
  EXPECT_EQ(p->as->user_id, "housing-officer-1");
  EXPECT_EQ(p->as->role, "housing_officer");
  EXPECT_EQ(p->as->system_id, "(explanation)");
  EXPECT_EQ(p->access_purpose, "resettlement");

  req.set_as_role("wizard");
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("as_role", "unknown role 'wizard'"));
  req.set_as_agency("nowhere");
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("as_agency", "unknown agency 'nowhere'"));
  req.set_access_purpose("curiosity");
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("access_purpose", "unknown purpose 'curiosity'"));
  req.set_break_glass_reason(std::string(2001, 'r'));
  EXPECT_THAT(ValidateCheckAccess(req, DemoPolicy(), KindOf),
              FieldError("break_glass_reason", "at most 2000 characters"));
}

}  // namespace
}  // namespace throughcare::server
