#include "services/server/validate_referrals.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/request_examples.h"
#include "tests/server/validate_testing.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::server::testing::OnRelease;
using ::throughcare::testing::IsOk;

TEST(ValidateCreateReferralTest, GoodRequest) {
  auto p = ValidateCreateReferral(OnRelease());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->referral_type, "drug_treatment_on_release");
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_EQ(p->records[0].record_id, Id("rec"));
  EXPECT_EQ(p->event_date, absl::CivilDay(2026, 12, 3));
  EXPECT_EQ(p->idempotency_key, "referral-1");
}

TEST(ValidateCreateReferralTest, BadRequests) {
  v1::CreateReferralRequest req = OnRelease();
  req.clear_referral_type();
  EXPECT_THAT(ValidateCreateReferral(req), FieldError("referral_type", "required"));
  req = OnRelease();
  req.clear_records();
  EXPECT_THAT(ValidateCreateReferral(req),
              FieldError("records",
                         "attach at least one record (e.g. the drug interventions record)"));
  for (int i = 0; i < 17; ++i) req.add_records()->set_record_id(Id("rec"));
  EXPECT_THAT(ValidateCreateReferral(req),
              FieldError("records", "at most 16 records per referral"));
  req = OnRelease();
  req.mutable_records(0)->set_version(-1);
  EXPECT_THAT(ValidateCreateReferral(req),
              FieldError("records[0].version", "must be 0 (latest) or a version number"));
  req = OnRelease();
  req.set_event_date("3 December");
  EXPECT_THAT(ValidateCreateReferral(req),
              FieldError("event_date", "expected a date as YYYY-MM-DD"));
  req = OnRelease();
  req.clear_event_date();
  auto p = ValidateCreateReferral(req);
  ASSERT_THAT(p, IsOk());
  EXPECT_FALSE(p->event_date.has_value());
  req.set_note(std::string(2001, 'n'));
  EXPECT_THAT(ValidateCreateReferral(req), FieldError("note", "at most 2000 characters"));
  req = OnRelease();
  req.clear_idempotency_key();
  EXPECT_THAT(ValidateCreateReferral(req), NamesField("idempotency_key"));
  req = OnRelease();
  req.set_recipient_agency(std::string(65, 'a'));
  EXPECT_THAT(ValidateCreateReferral(req),
              FieldError("recipient_agency", "at most 64 characters"));
}

TEST(ValidateResolveRecipientTest, TypeAndArea) {
  v1::ResolveRecipientRequest req;
  req.set_home_area("e99999001");
  EXPECT_THAT(ValidateResolveRecipient(req), FieldError("referral_type", "required"));
  req.set_referral_type(std::string(65, 't'));
  EXPECT_THAT(ValidateResolveRecipient(req), FieldError("referral_type", "at most 64 characters"));
  req.set_referral_type("drug_treatment_on_release");
  auto q = ValidateResolveRecipient(req);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->home_area, "E99999001");
  req.clear_home_area();
  EXPECT_THAT(ValidateResolveRecipient(req), FieldError("home_area", "required"));
}

TEST(ValidateGetReferralTest, ReferralId) {
  v1::GetReferralRequest req;
  EXPECT_THAT(ValidateGetReferral(req), FieldError("referral_id", "required"));
  req.set_referral_id(Id("ref"));
  EXPECT_THAT(ValidateGetReferral(req), IsOk());
}

TEST(ValidateTransitionReferralTest, AnyStateButSent) {
  v1::TransitionReferralRequest req;
  req.set_referral_id(Id("ref"));
  EXPECT_THAT(ValidateTransitionReferral(req),
              FieldError("to", "required: the state to move the referral to"));
  req.set_to(v1::REFERRAL_STATE_SENT);
  EXPECT_THAT(ValidateTransitionReferral(req),
              FieldError("to", "a referral is sent when it is created; it cannot move back to "
                               "sent"));
  req.set_to(static_cast<v1::ReferralState>(13));
  EXPECT_THAT(ValidateTransitionReferral(req),
              ::throughcare::testing::StatusIs(
                  absl::StatusCode::kInvalidArgument,
                  ::testing::StartsWith("to: unknown value 13 (expected one of: "
                                        "REFERRAL_STATE_SENT, REFERRAL_STATE_RECEIVED,")));
  req.set_to(v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(*ValidateTransitionReferral(req), ReferralState::kAccepted);
  req.set_reason(std::string(2001, 'r'));
  EXPECT_THAT(ValidateTransitionReferral(req), FieldError("reason", "at most 2000 characters"));
  req.set_referral_id(Id("rec"));
  EXPECT_THAT(ValidateTransitionReferral(req), NamesField("referral_id"));
}

TEST(ValidateListReferralsTest, PageTokensRoundTrip) {
  v1::ListReferralsRequest req;
  req.set_open_only(true);
  auto first = ValidateListReferrals(req);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->page_size, 100);
  EXPECT_TRUE(first->open_only);
  EXPECT_FALSE(first->after.has_value());

  const ReferralCursor next{absl::FromUnixMicros(1767225600123456), Id("ref")};
  req.mutable_page()->set_page_token(ReferralPageToken(next));
  req.mutable_page()->set_page_size(10);
  auto second = ValidateListReferrals(req);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->page_size, 10);
  ASSERT_TRUE(second->after.has_value());
  EXPECT_EQ(second->after->created_at, next.created_at);
  EXPECT_EQ(second->after->referral_id, next.referral_id);

  req.mutable_page()->set_page_token(std::string(65, '1'));
  EXPECT_THAT(ValidateListReferrals(req), FieldError("page.page_token", "at most 64 characters"));
  for (const std::string& bad : {std::string("12"), "x." + Id("ref"), "12." + Id("rec")}) {
    req.mutable_page()->set_page_token(bad);
    EXPECT_THAT(ValidateListReferrals(req),
                FieldError("page.page_token", "not a token returned by this call"))
        << bad;
  }
  req.mutable_page()->set_page_size(1001);
  EXPECT_THAT(ValidateListReferrals(req),
              FieldError("page.page_size", "must be between 0 and 1000"));
  req.set_subject_id("someone");
  EXPECT_THAT(ValidateListReferrals(req), NamesField("subject_id"));
}

TEST(ValidateRecordReleaseTest, SubjectAndDate) {
  v1::RecordReleaseRequest req;
  req.set_subject_id(Id("sub"));
  EXPECT_THAT(ValidateRecordRelease(req), FieldError("release_date", "required"));
  req.set_release_date("2026-12-03");
  EXPECT_EQ(*ValidateRecordRelease(req), absl::CivilDay(2026, 12, 3));
  req.clear_subject_id();
  EXPECT_THAT(ValidateRecordRelease(req), FieldError("subject_id", "required"));
}

TEST(ValidateGetReferralReportTest, PeriodOfAtMostTwoYears) {
  v1::GetReferralReportRequest req;
  EXPECT_THAT(ValidateGetReferralReport(req), FieldError("from", "required"));
  req.mutable_from()->set_seconds(1000);
  EXPECT_THAT(ValidateGetReferralReport(req), FieldError("until", "required"));
  req.mutable_until()->set_seconds(1000);
  EXPECT_THAT(ValidateGetReferralReport(req), FieldError("until", "must be after from"));
  req.mutable_until()->set_seconds(1000 + 731 * 86400 + 1);
  EXPECT_THAT(ValidateGetReferralReport(req),
              FieldError("until", "a report covers at most two years"));
  req.mutable_until()->set_seconds(1000 + 731 * 86400);
  req.set_by_receiving_agency(true);
  auto p = ValidateGetReferralReport(req);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->from, absl::FromUnixSeconds(1000));
  EXPECT_TRUE(p->by_receiving_agency);
}

TEST(ValidateGetReferralReportTest, TimestampsWithinYears1To9999) {
  v1::GetReferralReportRequest req;
  req.mutable_from()->set_seconds(-62135596801);
  req.mutable_until()->set_seconds(1000);
  EXPECT_THAT(ValidateGetReferralReport(req), NamesField("from"));
  req.mutable_from()->set_seconds(1000);
  req.mutable_until()->set_seconds(2000);
  req.mutable_until()->set_nanos(1000000000);
  EXPECT_THAT(ValidateGetReferralReport(req),
              FieldError("until", "nanos must be from 0 to 999999999 (got 1000000000)"));
}

}  // namespace
}  // namespace throughcare::server
