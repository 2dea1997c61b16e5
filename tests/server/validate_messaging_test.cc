#include "services/server/validate_messaging.h"

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

// A drug interventions record sent inline to the CJIT.
v1::SendRequest InlineSend() {
  v1::SendRequest req;
  req.add_recipient_agencies("cjit-east");
  req.set_subject_id(Id("sub"));
  req.set_idempotency_key("send-1");
  v1::InlineRecord* record = req.mutable_inline_record();
  record->set_data_class("drugs");
  v1::DrugInterventionsRecord* dir = record->mutable_body()->mutable_drug_interventions_record();
  dir->set_assessment_date("2026-11-02");
  dir->add_substances("heroin");
  return req;
}

TEST(ValidateSendTest, GoodRequest) {
  v1::SendRequest req = InlineSend();
  req.add_records()->set_record_id(Id("rec"));
  req.mutable_records(0)->set_version(3);
  req.set_correlation_id("ref_1");
  auto p = ValidateSend(req, DemoPolicy());
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(p->recipients, ElementsAre("cjit-east"));
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_EQ(p->records[0].version, 3);
  ASSERT_TRUE(p->inline_record.has_value());
  EXPECT_EQ(p->inline_record->subject_id, Id("sub"));
  EXPECT_EQ(p->inline_record->record_type, "drug_interventions_record");
  EXPECT_EQ(p->time_to_live, absl::Hours(24 * 5));
  EXPECT_EQ(p->correlation_id, "ref_1");
}

TEST(ValidateSendTest, Recipients) {
  v1::SendRequest req = InlineSend();
  req.clear_recipient_agencies();
  EXPECT_THAT(ValidateSend(req, DemoPolicy()), FieldError("recipient_agencies", "required"));
  for (int i = 0; i < 17; ++i) req.add_recipient_agencies("agency-" + std::to_string(i));
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("recipient_agencies", "at most 16 recipients per message"));
  req = InlineSend();
  req.add_recipient_agencies("cjit-east");
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("recipient_agencies[1]", "'cjit-east' given twice"));
  req.set_recipient_agencies(1, "");
  EXPECT_THAT(ValidateSend(req, DemoPolicy()), FieldError("recipient_agencies[1]", "required"));
}

TEST(ValidateSendTest, Records) {
  v1::SendRequest req = InlineSend();
  req.clear_inline_record();
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("records",
                         "a message carries at least one record: give records or inline_record"));
  req.add_records()->set_record_id(Id("rec"));
  req.add_records()->set_record_id(Id("rec"));
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("records[1].record_id", "the record is given twice"));
  req.mutable_records(1)->set_version(-2);
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("records[1].version", "must be 0 (latest) or a version number"));
  req = InlineSend();
  req.mutable_inline_record()->set_data_class("health");
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("inline_record.data_class",
                         "a drug_interventions_record may not be filed as 'health' (allowed: "
                         "drugs)"));
}

TEST(ValidateSendTest, KeyCorrelationAndTimeToLive) {
  v1::SendRequest req = InlineSend();
  req.clear_idempotency_key();
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("idempotency_key", "required: a key unique to this message, so that a "
                                            "retry is not carried out twice"));
  req = InlineSend();
  req.set_correlation_id(std::string(129, 'c'));
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("correlation_id", "at most 128 characters"));
  req = InlineSend();
  req.mutable_time_to_live()->set_seconds(30);
  EXPECT_THAT(ValidateSend(req, DemoPolicy()),
              FieldError("time_to_live", "must be from 1m to 720h (got 30s)"));
  req.mutable_time_to_live()->set_seconds(3600);
  auto p = ValidateSend(req, DemoPolicy());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->time_to_live, absl::Hours(1));
}

TEST(ValidateLeaseTest, DefaultAndBounds) {
  google::protobuf::Duration lease;
  EXPECT_EQ(*ValidateLease(false, lease, "lease"), absl::Seconds(60));
  lease.set_seconds(7200);
  EXPECT_THAT(ValidateLease(true, lease, "lease"),
              FieldError("lease", "must be from 1s to 1h (got 2h)"));
}

TEST(ValidateSettlementTest, EachOutcome) {
  v1::Settlement s;
  s.set_lease_id(Id("lse"));
  EXPECT_THAT(ValidateSettlement(s, "settle"),
              FieldError("settle", "set one of ack, nack or reject"));
  s.mutable_ack();
  EXPECT_EQ(ValidateSettlement(s, "settle")->outcome, messaging::Settlement::Outcome::kAck);
  s.mutable_nack()->mutable_retry_after()->set_seconds(600);
  s.mutable_nack()->set_reason("case system down");
  auto nack = ValidateSettlement(s, "settle");
  ASSERT_THAT(nack, IsOk());
  EXPECT_EQ(nack->outcome, messaging::Settlement::Outcome::kNack);
  EXPECT_EQ(nack->retry_after, absl::Minutes(10));
  EXPECT_EQ(nack->reason, "case system down");
  s.mutable_nack()->mutable_retry_after()->set_seconds(3601);
  EXPECT_THAT(ValidateSettlement(s, "settle"), NamesField("settle.nack.retry_after"));
  s.mutable_reject();
  EXPECT_THAT(ValidateSettlement(s, "settle"), FieldError("settle.reject.reason", "required"));
  s.mutable_reject()->set_reason(std::string(501, 'r'));
  EXPECT_THAT(ValidateSettlement(s, "settle"),
              FieldError("settle.reject.reason", "at most 500 characters"));
  s.set_lease_id(Id("msg"));
  EXPECT_THAT(ValidateSettlement(s, "settle"), NamesField("settle.lease_id"));
}

TEST(ValidateAckTest, SettlementsOnceEach) {
  v1::AckRequest req;
  EXPECT_THAT(ValidateAck(req), FieldError("settlements", "required"));
  v1::Settlement* first = req.add_settlements();
  first->set_lease_id(Id("lse"));
  first->mutable_ack();
  EXPECT_THAT(ValidateAck(req), IsOk());
  *req.add_settlements() = *first;
  EXPECT_THAT(ValidateAck(req),
              FieldError("settlements[1].lease_id", "the lease is settled twice"));
  req.mutable_settlements(1)->clear_outcome();
  EXPECT_THAT(ValidateAck(req), FieldError("settlements[1]", "set one of ack, nack or reject"));
  for (int i = 0; i < 100; ++i) *req.add_settlements() = *first;
  EXPECT_THAT(ValidateAck(req), FieldError("settlements", "at most 100 per call"));
}

}  // namespace
}  // namespace throughcare::server
