// Messaging against misuse: a Subscribe stream ends when its assertion does; each agency may
// hold only so many streams, and a shutdown hands their leases back at once; one sender cannot
// fill a recipient's mailbox for everyone; tracking a message is decided like reading it.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/integration/messaging_fixture.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class MessagingLimitsTest : public MessagingTest {
 protected:
  // A stream opened with `authorization` and its first request (credit 5, 60 s leases).
  struct Stream {
    std::unique_ptr<v1::MessagingService::Stub> stub;
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientReaderWriter<v1::SubscribeRequest, v1::SubscribeResponse>> rw;
  };
  Stream Open(const Actor& actor, const std::string& assertion) {
    Stream s;
    s.stub = Messaging(actor.agency);
    s.ctx = std::make_unique<grpc::ClientContext>();
    s.ctx->AddMetadata("authorization", "Bearer " + assertion);
    s.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    s.rw = s.stub->Subscribe(s.ctx.get());
    v1::SubscribeRequest credit;
    credit.set_credit(5);
    credit.mutable_lease()->set_seconds(60);
    s.rw->Write(credit);
    return s;
  }

  // Waits until the broker serves the stream: a settlement of an unknown lease is answered on it.
  static bool Served(Stream& s) {
    v1::SubscribeRequest bad;
    bad.mutable_settle()->set_lease_id("lse_aaaaaaaaaaaaaaaaaaaaaaaaaa");
    bad.mutable_settle()->mutable_ack();
    v1::SubscribeResponse r;
    return s.rw->Write(bad) && s.rw->Read(&r) && r.has_settled();
  }

  // Reads until the stream ends; returns how it ended.
  static grpc::Status Drain(Stream& s) {
    v1::SubscribeResponse r;
    while (s.rw->Read(&r)) {
    }
    return s.rw->Finish();
  }
};

TEST_F(MessagingLimitsTest, AStreamEndsWhenItsAssertionExpires) {
  ConsentToCjit();
  const std::string message = SendOk(DirMessage("dir-1"));
  Stream s = Open(kCjit, AssertionFor(kCjit, absl::Seconds(30)));
  v1::SubscribeResponse r;
  ASSERT_TRUE(s.rw->Read(&r));
  ASSERT_TRUE(r.has_delivery());

  // Past the assertion's expiry (but within the 60 s lease) the broker ends the stream at its
  // next tick; an ack sent on it now is not accepted.
  clock_.Advance(absl::Seconds(30));
  v1::SubscribeRequest ack;
  *ack.mutable_settle() = AckOf(r.delivery());
  s.rw->Write(ack);
  broker_->RunPeriodicWork();
  grpc::Status ended = Drain(s);
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("expired"));
  EXPECT_EQ(Status(message).recipients(0).state(), v1::DELIVERY_STATE_DELIVERED);
  // A fresh assertion opens a new stream, which may settle the lease.
  ASSERT_TRUE(Settle(kCjit, {AckOf(r.delivery())}).ok());
}

TEST_F(MessagingLimitsTest, EachAgencyMayHoldOnlySoManyStreams) {
  EXPECT_EQ(config_.messaging.max_streams_per_agency, 16);  // the default
  Restart([](messaging::MessagingLimits& l) { l.max_streams_per_agency = 3; });
  const int cap = 3;
  std::vector<Stream> open;
  for (int i = 0; i < cap; ++i) {
    open.push_back(Open(kCjit, AssertionFor(kCjit)));
    ASSERT_TRUE(Served(open.back())) << "stream " << i;
  }
  Stream extra = Open(kCjit, AssertionFor(kCjit));
  grpc::Status refused = Drain(extra);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("cjit-east"));
  EXPECT_THAT(refused.error_message(), HasSubstr("max_streams_per_agency"));
  // Another agency is not affected.
  Stream other = Open(kCarat, AssertionFor(kCarat));
  EXPECT_TRUE(Served(other));
  // Closing one makes room for another.
  open.back().rw->WritesDone();
  EXPECT_TRUE(Drain(open.back()).ok());
  open.pop_back();
  Stream again = Open(kCjit, AssertionFor(kCjit));
  EXPECT_TRUE(Served(again));
  for (Stream* s : {&other, &again}) s->rw->WritesDone();
  for (Stream& s : open) s.rw->WritesDone();
  for (Stream& s : open) Drain(s);
  Drain(other);
  Drain(again);
}

TEST_F(MessagingLimitsTest, AShutdownReturnsTheLeasesOfItsStreamsAtOnce) {
  ConsentToCjit();
  const std::string message = SendOk(DirMessage("dir-1"));
  Stream s = Open(kCjit, AssertionFor(kCjit));
  v1::SubscribeResponse r;
  ASSERT_TRUE(s.rw->Read(&r));
  ASSERT_TRUE(r.has_delivery());
  StopBroker();
  Drain(s);
  StartBroker();
  // No time has passed, so the 60 s lease has not expired: only its return makes it leasable.
  std::vector<v1::Delivery> again = Receive(kCjit);
  ASSERT_THAT(again, SizeIs(1));
  EXPECT_EQ(again[0].message_id(), message);
  EXPECT_EQ(again[0].attempt(), 2);
}

TEST_F(MessagingLimitsTest, OneSenderCannotFillAMailboxForEveryone) {
  // Prison healthcare may also send to the CJIT in this test's policy.
  StopBroker();
  std::ofstream(config_.policy_file, std::ios::app)
      << "  - id: test-health-to-cjit\n"
         "    description: Lets prison healthcare send the CJIT health records in this test.\n"
         "    roles: [cjit_worker]\n"
         "    actions: [message.receive]\n"
         "    data_classes: [health]\n"
         "    purposes: [direct_care]\n"
         "    relationship: not_required\n";
  // A share of 2 open messages per sender: the mailbox limit over the 7 other agencies.
  config_.messaging.mailbox_limit = 14;
  StartBroker();
  Relate(kHealthcare, subject_id_);
  ConsentToCjit();
  RecordConsent(kHealthcare, subject_id_, "health", "cjit-east", "direct_care");

  SendOk(DirMessage("dir-1"));
  SendOk(DirMessage("dir-2"));
  v1::SendResponse out;
  grpc::Status s = Send(kCarat, DirMessage("dir-3"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("'hmp-northgate'"));
  EXPECT_THAT(s.error_message(), HasSubstr("'cjit-east'"));
  EXPECT_THAT(s.error_message(), HasSubstr("mailbox_sender_quota"));

  v1::SendRequest health;
  health.set_purpose("direct_care");
  health.add_recipient_agencies("cjit-east");
  health.set_subject_id(subject_id_);
  health.set_idempotency_key("health-1");
  health.mutable_inline_record()->set_data_class("health");
  health.mutable_inline_record()->mutable_body()->mutable_health_summary()->add_conditions()
      ->set_name("asthma");
  s = Send(kHealthcare, health, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(out.recipients(), SizeIs(1));
  EXPECT_EQ(out.recipients(0).state(), v1::DELIVERY_STATE_PENDING);
}

TEST_F(MessagingLimitsTest, TrackingAMessageIsDecidedLikeReadingItsRecords) {
  ConsentToCjit();
  const std::string message = SendOk(DirMessage("dir-1"));
  EXPECT_EQ(Status(message).recipients(0).state(), v1::DELIVERY_STATE_PENDING);  // CARAT may
  // Reception and the prison's team manager work in the sending agency but may not read drugs
  // records, so they may not follow a drug-treatment message either.
  const Actor manager{"hmp-northgate", "carat-manager-1", "team_manager", "direct_care"};
  for (const Actor& actor : {kReception, manager}) {
    v1::GetStatusRequest req;
    req.set_message_id(message);
    v1::MessageStatus out;
    grpc::Status s = Messaging(actor.agency)->GetStatus(ContextFor(actor).get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << actor.role;
    EXPECT_THAT(s.error_message(), HasSubstr("record.read")) << actor.role;
  }
  std::vector<v1::AuditEntry> tracked = AuditFor("message.status");
  ASSERT_THAT(tracked, SizeIs(3));
  EXPECT_EQ(tracked[1].decision(), v1::DECISION_DENY);
  EXPECT_EQ(tracked[1].role(), "prison_reception");
}

}  // namespace
}  // namespace throughcare::testing
