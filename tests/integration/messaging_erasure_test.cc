// Messages and erasure against the real broker: a delivery still waiting for a record that is
// erased is withheld, saying why, and the erased record cannot be sent again.
#include "gmock/gmock.h"
#include "tests/integration/messaging_fixture.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(MessagingTest, AnErasedRecordIsWithheldFromItsPendingDeliveryAndNotSentAgain) {
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  const std::string message_id = SendOk(DirMessage("erasure-1"));
  const std::string record_id = Status(message_id).records(0).record_id();
  ASSERT_FALSE(record_id.empty());

  const Actor dpo{"ig-office", "dpo-1", "data_protection_officer", "data_protection"};
  v1::EraseRecordRequest erase;
  erase.set_purpose(dpo.purpose);
  erase.set_record_id(record_id);
  erase.set_reason("Erasure request ER-0100, agreed.");
  v1::Erasure erasure;
  grpc::Status s = Records(dpo.agency)->EraseRecord(ContextFor(dpo).get(), erase, &erasure);
  ASSERT_TRUE(s.ok()) << s.error_message();

  EXPECT_THAT(Receive(kCjit), ::testing::IsEmpty());
  v1::MessageStatus status = Status(message_id);
  ASSERT_EQ(status.recipients_size(), 1);
  EXPECT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_WITHHELD);
  EXPECT_THAT(status.recipients(0).reason(),
              HasSubstr(absl::StrCat("record ", record_id, " was erased on")));

  v1::SendRequest again;
  again.set_purpose("direct_care");
  again.add_recipient_agencies("cjit-east");
  again.set_subject_id(subject_id_);
  again.set_idempotency_key("erasure-2");
  again.add_records()->set_record_id(record_id);
  v1::SendResponse out;
  s = Send(kCarat, again, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("records[0].record_id: record"));
}

}  // namespace
}  // namespace throughcare::testing
