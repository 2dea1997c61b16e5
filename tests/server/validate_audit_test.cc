#include "services/server/validate_audit.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/validate_testing.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::testing::IsOk;

TEST(ValidateQueryAuditLogTest, GoodRequest) {
  v1::QueryAuditLogRequest req;
  req.set_subject_id(Id("sub"));
  req.set_agency_id("housing-east");
  req.set_action("record.read");
  req.set_decision(v1::DECISION_DENY);
  req.mutable_from_time()->set_seconds(1000);
  req.mutable_until_time()->set_seconds(2000);
  req.mutable_page()->set_page_token("41");
  auto q = ValidateQueryAuditLog(req);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->subject_id, Id("sub"));
  EXPECT_EQ(q->agency_id, "housing-east");
  EXPECT_EQ(q->decision, AuditDecision::kDeny);
  EXPECT_EQ(q->from, absl::FromUnixSeconds(1000));
  EXPECT_EQ(q->until, absl::FromUnixSeconds(2000));
  EXPECT_EQ(q->limit, 100);
  EXPECT_EQ(q->after_seq, 41);
}

TEST(ValidateQueryAuditLogTest, TimestampsWithinYears1To9999) {
  v1::QueryAuditLogRequest req;
  req.mutable_from_time()->set_seconds(253402300800);
  EXPECT_THAT(ValidateQueryAuditLog(req), NamesField("from_time"));
  req.clear_from_time();
  req.mutable_until_time()->set_nanos(-1);
  EXPECT_THAT(ValidateQueryAuditLog(req),
              FieldError("until_time", "nanos must be from 0 to 999999999 (got -1)"));
}

TEST(ValidateGetSubjectAccessReportTest, TimestampsWithinYears1To9999) {
  v1::GetSubjectAccessReportRequest req;
  req.set_subject_id(Id("sub"));
  req.mutable_from_time()->set_seconds(1000);
  EXPECT_THAT(ValidateGetSubjectAccessReport(req), IsOk());
  req.mutable_until_time()->set_seconds(-62135596801);  // just before 0001-01-01
  EXPECT_THAT(ValidateGetSubjectAccessReport(req), NamesField("until_time"));
  req.clear_until_time();
  req.mutable_from_time()->set_nanos(1000000000);
  EXPECT_THAT(ValidateGetSubjectAccessReport(req),
              FieldError("from_time", "nanos must be from 0 to 999999999 (got 1000000000)"));
}

TEST(ValidateQueryAuditLogTest, BadRequests) {
  v1::QueryAuditLogRequest req;
  EXPECT_THAT(ValidateQueryAuditLog(req), IsOk());
  req.set_subject_id("A1234BC");
  EXPECT_THAT(ValidateQueryAuditLog(req), NamesField("subject_id"));
  req.clear_subject_id();
  req.set_user_id(std::string(257, 'u'));
  EXPECT_THAT(ValidateQueryAuditLog(req), FieldError("user_id", "at most 256 characters"));
  req.clear_user_id();
  req.set_decision(static_cast<v1::Decision>(7));
  EXPECT_THAT(ValidateQueryAuditLog(req), NamesField("decision"));
  req.clear_decision();
  req.mutable_from_time()->set_seconds(2000);
  req.mutable_until_time()->set_seconds(2000);
  EXPECT_THAT(ValidateQueryAuditLog(req), FieldError("until_time", "must be after from_time"));
  req.clear_until_time();
  req.mutable_page()->set_page_size(1001);
  EXPECT_THAT(ValidateQueryAuditLog(req),
              FieldError("page.page_size", "must be between 0 and 1000"));
  req.mutable_page()->set_page_size(5);
  req.mutable_page()->set_page_token("-3");
  EXPECT_THAT(ValidateQueryAuditLog(req),
              FieldError("page.page_token", "not a token returned by this call"));
}

TEST(ValidateListReviewItemsTest, Pages) {
  v1::ListReviewItemsRequest req;
  auto page = ValidateListReviewItems(req);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->limit, 100);
  EXPECT_EQ(page->after_seq, 0);
  req.mutable_page()->set_page_size(20);
  req.mutable_page()->set_page_token("17");
  page = ValidateListReviewItems(req);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->limit, 20);
  EXPECT_EQ(page->after_seq, 17);
  req.mutable_page()->set_page_token("seventeen");
  EXPECT_THAT(ValidateListReviewItems(req),
              FieldError("page.page_token", "not a token returned by this call"));
}

TEST(ValidateCloseReviewItemTest, OutcomeAndNote) {
  v1::CloseReviewItemRequest req;
  req.set_review_id(Id("rev"));
  EXPECT_THAT(ValidateCloseReviewItem(req), FieldError("note", "required"));
  req.set_note("Confirmed with the OM");
  EXPECT_THAT(ValidateCloseReviewItem(req),
              FieldError("outcome", "required (JUSTIFIED, NOT_JUSTIFIED or REFERRED)"));
  req.set_outcome(v1::REVIEW_OUTCOME_NOT_JUSTIFIED);
  EXPECT_EQ(*ValidateCloseReviewItem(req), ReviewOutcome::kNotJustified);
  req.set_outcome(v1::REVIEW_OUTCOME_OPEN);
  EXPECT_THAT(ValidateCloseReviewItem(req), NamesField("outcome"));
  req.set_outcome(static_cast<v1::ReviewOutcome>(77));
  EXPECT_THAT(ValidateCloseReviewItem(req),
              FieldError("outcome", "unknown value 77 (expected one of: REVIEW_OUTCOME_OPEN, "
                                    "REVIEW_OUTCOME_JUSTIFIED, REVIEW_OUTCOME_NOT_JUSTIFIED, "
                                    "REVIEW_OUTCOME_REFERRED)"));
  req.set_review_id(Id("ref"));
  EXPECT_THAT(ValidateCloseReviewItem(req), NamesField("review_id"));
}

}  // namespace
}  // namespace throughcare::server
