#include "services/server/validate_messaging.h"

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
using ::throughcare::server::testing::InlineSend;
using ::throughcare::server::testing::NamesField;
using ::throughcare::testing::IsOk;

// A send from the prison (hmp-northgate), as its handler validates it.
absl::StatusOr<messaging::SendParams> Send(const v1::SendRequest& req) {
  return ValidateSend(req, DemoPolicy(), testing::DemoAgencies(), "hmp-northgate");
}

TEST(ValidateSendTest, GoodRequest) {
  v1::SendRequest req = InlineSend();
  req.add_records()->set_record_id(Id("rec"));
  req.mutable_records(0)->set_version(3);
  req.set_correlation_id("ref_1");
  auto p = Send(req);
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
  EXPECT_THAT(Send(req), FieldError("recipient_agencies", "required"));
  for (int i = 0; i < 17; ++i) req.add_recipient_agencies("agency-" + std::to_string(i));
  EXPECT_THAT(Send(req),
              FieldError("recipient_agencies", "at most 16 recipients per message"));
  req = InlineSend();
  req.add_recipient_agencies("cjit-east");
  EXPECT_THAT(Send(req),
              FieldError("recipient_agencies[1]", "'cjit-east' given twice"));
  req.set_recipient_agencies(1, "");
  EXPECT_THAT(Send(req), FieldError("recipient_agencies[1]", "required"));
}

// messaging.proto: "1-16 distinct agency ids, not the sender's own".
TEST(ValidateSendTest, RecipientsAreOtherRegisteredAgencies) {
  v1::SendRequest req = InlineSend();
  req.add_recipient_agencies("hmp-northgate");
  EXPECT_THAT(Send(req),
              FieldError("recipient_agencies[1]",
                         "'hmp-northgate' is your own agency: a message goes to other agencies"));
  req.set_recipient_agencies(1, "cjit-west");
  EXPECT_THAT(Send(req), FieldError("recipient_agencies[1]",
                                    "unknown agency 'cjit-west': none of that id is registered "
                                    "with the broker"));
  req.set_recipient_agencies(1, std::string(65, 'a'));
  EXPECT_THAT(Send(req), FieldError("recipient_agencies[1]", "at most 64 characters"));
  req.set_recipient_agencies(1, "probation-east");
  EXPECT_THAT(Send(req), IsOk());
}

TEST(ValidateSendTest, Records) {
  v1::SendRequest req = InlineSend();
  req.clear_inline_record();
  EXPECT_THAT(Send(req),
              FieldError("records",
                         "a message carries at least one record: give records or inline_record"));
  req.add_records()->set_record_id(Id("rec"));
  req.add_records()->set_record_id(Id("rec"));
  EXPECT_THAT(Send(req),
              FieldError("records[1].record_id", "the record is given twice"));
  req.mutable_records(1)->set_version(-2);
  EXPECT_THAT(Send(req),
              FieldError("records[1].version", "must be 0 (latest) or a version number"));
  req = InlineSend();
  req.mutable_inline_record()->set_data_class("health");
  EXPECT_THAT(Send(req),
              FieldError("inline_record.data_class",
                         "a drug_interventions_record may not be filed as 'health' (allowed: "
                         "drugs)"));
}

TEST(ValidateSendTest, KeyCorrelationAndTimeToLive) {
  v1::SendRequest req = InlineSend();
  req.clear_idempotency_key();
  EXPECT_THAT(Send(req),
              FieldError("idempotency_key", "required: a key unique to this message, so that a "
                                            "retry is not carried out twice"));
  req = InlineSend();
  req.set_correlation_id(std::string(129, 'c'));
  EXPECT_THAT(Send(req),
              FieldError("correlation_id", "at most 128 characters"));
  req = InlineSend();
  req.mutable_time_to_live()->set_seconds(30);
  EXPECT_THAT(Send(req),
              FieldError("time_to_live", "must be from 1m to 720h (got 30s)"));
  req.mutable_time_to_live()->set_seconds(3600);
  auto p = Send(req);
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

TEST(ValidateReceiveTest, CountAndLease) {
  v1::ReceiveRequest req;
  EXPECT_THAT(ValidateReceive(req), FieldError("max_messages", "must be from 1 to 100"));
  req.set_max_messages(101);
  EXPECT_THAT(ValidateReceive(req), FieldError("max_messages", "must be from 1 to 100"));
  req.set_max_messages(10);
  auto p = ValidateReceive(req);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->max_messages, 10);
  EXPECT_EQ(p->lease, absl::Seconds(60));
  req.mutable_lease()->set_nanos(-1);
  EXPECT_THAT(ValidateReceive(req), NamesField("lease"));
}

TEST(ValidateSubscribeRequestTest, FirstSetsCreditAndLease) {
  v1::SubscribeRequest req;
  EXPECT_THAT(ValidateSubscribeRequest(req, true),
              FieldError("credit", "the first request must set credit"));
  req.set_credit(5);
  req.mutable_lease()->set_seconds(30);
  auto first = ValidateSubscribeRequest(req, true);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->credit, 5);
  EXPECT_EQ(first->lease, absl::Seconds(30));
  EXPECT_FALSE(first->settle.has_value());
  EXPECT_THAT(ValidateSubscribeRequest(req, false),
              FieldError("lease", "may be set with the first request only"));
  req.clear_lease();
  req.set_credit(1001);
  EXPECT_THAT(ValidateSubscribeRequest(req, false),
              FieldError("credit", "at most 1000 unsettled deliveries"));
  req.clear_credit();
  EXPECT_THAT(ValidateSubscribeRequest(req, false), FieldError("request", "set credit or settle"));
  req.mutable_settle()->set_lease_id(Id("lse"));
  req.mutable_settle()->mutable_ack();
  auto later = ValidateSubscribeRequest(req, false);
  ASSERT_THAT(later, IsOk());
  ASSERT_TRUE(later->settle.has_value());
  EXPECT_FALSE(later->credit.has_value());
  EXPECT_FALSE(later->lease.has_value());
}

TEST(ValidateGetStatusTest, MessageId) {
  v1::GetStatusRequest req;
  EXPECT_THAT(ValidateGetStatus(req), FieldError("message_id", "required"));
  req.set_message_id(Id("msg"));
  EXPECT_THAT(ValidateGetStatus(req), IsOk());
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
