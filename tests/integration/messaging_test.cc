// Store-and-forward messaging against the real broker: send, receive, ack; idempotency; leases,
// redelivery and dead-lettering; expiry; withholding at send and at delivery; withdrawal
// notices; limits; Subscribe flow control; many receivers of one mailbox.
#include <atomic>
#include <chrono>
#include <deque>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "tests/integration/messaging_fixture.h"
#include "throughcare/v1/diagnostics.grpc.pb.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST_F(MessagingTest, SendReceiveAckAndTrack) {
  ConsentToCjit();
  v1::SendResponse sent;
  ASSERT_TRUE(Send(kCarat, DirMessage("dir-1"), &sent).ok());
  EXPECT_FALSE(sent.duplicate());
  ASSERT_THAT(sent.recipients(), SizeIs(1));
  EXPECT_EQ(sent.recipients(0).agency_id(), "cjit-east");
  EXPECT_EQ(sent.recipients(0).state(), v1::DELIVERY_STATE_PENDING);
  // Five days by default.
  EXPECT_EQ(sent.expires_at().seconds() - absl::ToUnixSeconds(clock_.Now()), 5 * 24 * 3600);

  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  const v1::Delivery& d = got[0];
  EXPECT_EQ(d.message_id(), sent.message_id());
  EXPECT_EQ(d.kind(), v1::MESSAGE_KIND_RECORDS);
  EXPECT_EQ(d.attempt(), 1);
  EXPECT_EQ(d.sender_agency(), "hmp-northgate");
  EXPECT_EQ(d.sender_user(), kCarat.user);
  EXPECT_EQ(d.subject_id(), subject_id_);
  EXPECT_EQ(d.purpose(), "direct_care");
  EXPECT_EQ(d.correlation_id(), "referral-1");
  ASSERT_THAT(d.records(), SizeIs(1));
  EXPECT_EQ(d.records(0).body().drug_interventions_record().substances(0), "heroin");
  EXPECT_EQ(d.records(0).owner_agency(), "hmp-northgate");
  // Leased: nobody else gets it meanwhile.
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
  EXPECT_EQ(Status(sent.message_id()).recipients(0).state(), v1::DELIVERY_STATE_DELIVERED);

  v1::AckResponse acked;
  ASSERT_TRUE(Settle(kCjit, {AckOf(d)}, &acked).ok());
  ASSERT_THAT(acked.results(), SizeIs(1));
  EXPECT_EQ(acked.results(0).state(), v1::DELIVERY_STATE_ACKNOWLEDGED);
  v1::MessageStatus status = Status(sent.message_id());
  EXPECT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_ACKNOWLEDGED);
  EXPECT_EQ(status.recipients(0).attempts(), 1);
  EXPECT_TRUE(status.recipients(0).has_acknowledged_at());
  EXPECT_EQ(status.subject_id(), subject_id_);
  ASSERT_THAT(status.records(), SizeIs(1));
  // Acked twice: the lease is no longer current.
  grpc::Status again = Settle(kCjit, {AckOf(d)});
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(again.error_message(), HasSubstr("settlements[0].lease_id"));

  // Only the sender's agency may track it.
  v1::GetStatusRequest other;
  other.set_message_id(sent.message_id());
  v1::MessageStatus ignored;
  EXPECT_EQ(
      Messaging(kCjit.agency)->GetStatus(ContextFor(kCjit).get(), other, &ignored).error_code(),
      grpc::StatusCode::NOT_FOUND);

  // Every step is in the audit log, with who, about whom and why.
  auto sends = AuditFor("message.send");
  ASSERT_THAT(sends, SizeIs(1));
  EXPECT_EQ(sends[0].subject_id(), subject_id_);
  EXPECT_EQ(sends[0].decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(sends[0].reason(), HasSubstr(sent.message_id()));
  auto deliveries = AuditFor("message.deliver");
  ASSERT_THAT(deliveries, SizeIs(1));
  EXPECT_EQ(deliveries[0].agency_id(), "cjit-east");
  EXPECT_EQ(deliveries[0].user_id(), kCjit.user);
  EXPECT_THAT(deliveries[0].basis(), HasSubstr("consent"));
  EXPECT_THAT(AuditFor("message.ack"), SizeIs(1));
  EXPECT_THAT(AuditFor("record.write"), SizeIs(1));  // the inline record
}

TEST_F(MessagingTest, IdempotencyKeyReturnsTheOriginalOrRefusesDifferentContent) {
  ConsentToCjit();
  v1::SendResponse first, replay;
  ASSERT_TRUE(Send(kCarat, DirMessage("dir-1"), &first).ok());
  ASSERT_TRUE(Send(kCarat, DirMessage("dir-1"), &replay).ok());
  EXPECT_EQ(replay.message_id(), first.message_id());
  EXPECT_TRUE(replay.duplicate());

  v1::SendResponse ignored;
  grpc::Status different = Send(kCarat, DirMessage("dir-1", "cocaine"), &ignored);
  EXPECT_EQ(different.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(different.error_message(), HasSubstr("idempotency_key"));
  EXPECT_THAT(different.error_message(), HasSubstr(first.message_id()));

  // One message reached the mailbox, carrying the first content.
  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].records(0).body().drug_interventions_record().substances(0), "heroin");
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
}

TEST_F(MessagingTest, RequestsAreValidatedFieldByField) {
  v1::SendResponse out;
  v1::SendRequest req = DirMessage("");
  grpc::Status s = Send(kCarat, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("idempotency_key"));

  req = DirMessage("k-1");
  req.add_recipient_agencies("nowhere-agency");
  s = Send(kCarat, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("recipient_agencies[1]: unknown agency"));

  // messaging.proto: "not the sender's own" agency.
  req = DirMessage("k-1");
  req.add_recipient_agencies(kCarat.agency);
  s = Send(kCarat, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("recipient_agencies[1]: 'hmp-northgate' is your own"));

  req = DirMessage("k-2");
  req.clear_inline_record();
  s = Send(kCarat, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("records"));

  req = DirMessage("k-3");
  req.mutable_time_to_live()->set_seconds(10);
  s = Send(kCarat, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("time_to_live"));

  v1::AckRequest ack;
  ack.add_settlements()->set_lease_id("lse_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  v1::AckResponse acked;
  s = Messaging(kCjit.agency)->Ack(ContextFor(kCjit).get(), ack, &acked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("settlements[0]"));

  // Nothing was written by any of them.
  EXPECT_THAT(AuditFor("record.write"), SizeIs(0));
}

TEST_F(MessagingTest, OnlyTheOwningAgencySendsARecord) {
  Relate(kHealthcare, subject_id_);
  v1::PutRecordRequest put;
  put.set_purpose("direct_care");
  put.set_subject_id(subject_id_);
  put.set_data_class("health");
  put.mutable_body()->mutable_health_summary()->add_conditions()->set_name("asthma");
  v1::Record health;
  ASSERT_TRUE(
      Records(kHealthcare.agency)->PutRecord(ContextFor(kHealthcare).get(), put, &health).ok());

  // CARAT works with the person but may not send healthcare's record.
  v1::SendRequest req = DirMessage("k-1");
  req.clear_inline_record();
  req.add_records()->set_record_id(health.record_id());
  v1::SendResponse out;
  grpc::Status s = Send(kCarat, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("records[0]"));

  // Healthcare sends its own record by reference. Probation has no role that may receive
  // health records for direct care, so it is withheld.
  v1::SendRequest own;
  own.set_purpose("direct_care");
  own.add_recipient_agencies("probation-east");
  own.set_subject_id(subject_id_);
  own.set_idempotency_key("health-1");
  own.add_records()->set_record_id(health.record_id());
  ASSERT_TRUE(Send(kHealthcare, own, &out).ok());
  ASSERT_THAT(out.recipients(), SizeIs(1));
  EXPECT_EQ(out.recipients(0).state(), v1::DELIVERY_STATE_WITHHELD);
  EXPECT_THAT(out.recipients(0).reason(), HasSubstr("no role of agency 'probation-east'"));
}

TEST_F(MessagingTest, RecipientWithoutConsentIsWithheldAndTheSenderIsTold) {
  v1::SendResponse sent;
  ASSERT_TRUE(Send(kCarat, DirMessage("dir-1"), &sent).ok());
  ASSERT_THAT(sent.recipients(), SizeIs(1));
  EXPECT_EQ(sent.recipients(0).state(), v1::DELIVERY_STATE_WITHHELD);
  EXPECT_THAT(sent.recipients(0).reason(), HasSubstr("no active consent"));

  // No data left: the CJIT's mailbox is empty.
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
  // The sender's mailbox has the report, linked to the original.
  std::vector<v1::Delivery> reports = Receive(kCarat);
  ASSERT_THAT(reports, SizeIs(1));
  EXPECT_EQ(reports[0].kind(), v1::MESSAGE_KIND_REPORT);
  EXPECT_EQ(reports[0].sender_agency(), "throughcare");
  EXPECT_EQ(reports[0].correlation_id(), sent.message_id());
  EXPECT_EQ(reports[0].report().message_id(), sent.message_id());
  EXPECT_EQ(reports[0].report().recipient_agency(), "cjit-east");
  EXPECT_EQ(reports[0].report().state(), v1::DELIVERY_STATE_WITHHELD);
  EXPECT_THAT(reports[0].records(), SizeIs(0));

  auto withheld = AuditFor("message.withhold");
  ASSERT_THAT(withheld, SizeIs(1));
  EXPECT_EQ(withheld[0].agency_id(), "cjit-east");
  EXPECT_EQ(withheld[0].decision(), v1::DECISION_DENY);
}

TEST_F(MessagingTest, ConsentWithdrawnBeforeDeliveryWithholdsIt) {
  const std::string consent = ConsentToCjit();
  const std::string message = SendOk(DirMessage("dir-1"));
  v1::WithdrawConsentRequest withdraw;
  withdraw.set_purpose("direct_care");
  withdraw.set_consent_id(consent);
  withdraw.set_reason("The person withdrew consent before release.");
  v1::Consent withdrawn;
  ASSERT_TRUE(Consents(kCarat.agency)
                  ->WithdrawConsent(ContextFor(kCarat).get(), withdraw, &withdrawn)
                  .ok());

  EXPECT_THAT(Receive(kCjit), SizeIs(0));
  v1::MessageStatus status = Status(message);
  EXPECT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_WITHHELD);
  EXPECT_THAT(status.recipients(0).reason(), HasSubstr("withheld at delivery"));
  std::vector<v1::Delivery> reports = Receive(kCarat);
  ASSERT_THAT(reports, SizeIs(1));
  EXPECT_EQ(reports[0].report().state(), v1::DELIVERY_STATE_WITHHELD);
}

TEST_F(MessagingTest, WithdrawalNoticesGoToRecipientsThatReceivedUnderTheConsent) {
  const std::string consent = ConsentToCjit();
  const std::string first = SendOk(DirMessage("dir-1"));
  const std::string second = SendOk(DirMessage("dir-2", "crack cocaine"));
  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(2));
  ASSERT_TRUE(Settle(kCjit, {AckOf(got[0]), AckOf(got[1])}).ok());

  v1::WithdrawConsentRequest withdraw;
  withdraw.set_purpose("direct_care");
  withdraw.set_consent_id(consent);
  withdraw.set_reason("The person withdrew consent after release.");
  v1::Consent withdrawn;
  ASSERT_TRUE(Consents(kCarat.agency)
                  ->WithdrawConsent(ContextFor(kCarat).get(), withdraw, &withdrawn)
                  .ok());

  std::vector<v1::Delivery> notices = Receive(kCjit);
  ASSERT_THAT(notices, SizeIs(1));
  EXPECT_EQ(notices[0].kind(), v1::MESSAGE_KIND_WITHDRAWAL_NOTICE);
  EXPECT_EQ(notices[0].subject_id(), subject_id_);
  EXPECT_EQ(notices[0].withdrawal_notice().consent_id(), consent);
  EXPECT_THAT(notices[0].withdrawal_notice().message_ids(), ElementsAre(first, second));
  // Nobody else received anything under it.
  EXPECT_THAT(Receive(kCarat), SizeIs(0));
}

TEST_F(MessagingTest, UnackedDeliveriesReturnWithTheNextAttemptThenDeadLetter) {
  Restart([](messaging::MessagingLimits& l) { l.max_attempts = 2; });
  ConsentToCjit();
  const std::string message = SendOk(DirMessage("dir-1"));

  std::vector<v1::Delivery> first = Receive(kCjit, 10, /*lease_seconds=*/30);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_EQ(first[0].attempt(), 1);
  clock_.Advance(absl::Seconds(31));
  broker_->RunPeriodicWork();  // returns the expired lease
  std::vector<v1::Delivery> second = Receive(kCjit, 10, 30);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].message_id(), message);
  EXPECT_EQ(second[0].attempt(), 2);
  EXPECT_NE(second[0].lease_id(), first[0].lease_id());
  // The first lease is no longer valid.
  grpc::Status stale = Settle(kCjit, {AckOf(first[0])});
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // The last attempt expires too: dead-lettered, and the sender is told.
  clock_.Advance(absl::Seconds(31));
  broker_->RunPeriodicWork();
  v1::MessageStatus status = Status(message);
  ASSERT_THAT(status.recipients(), SizeIs(1));
  ASSERT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_DEAD_LETTERED);
  EXPECT_EQ(status.recipients(0).attempts(), 2);
  EXPECT_THAT(status.recipients(0).reason(), HasSubstr("2 delivery attempts"));
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
  std::vector<v1::Delivery> reports = Receive(kCarat);
  ASSERT_THAT(reports, SizeIs(1));
  EXPECT_EQ(reports[0].report().message_id(), message);
  EXPECT_EQ(reports[0].report().state(), v1::DELIVERY_STATE_DEAD_LETTERED);
  EXPECT_THAT(AuditFor("message.dead_letter"), SizeIs(1));
}

TEST_F(MessagingTest, NackWaitsForItsRetryDelayAndRejectDeadLetters) {
  ConsentToCjit();
  const std::string first = SendOk(DirMessage("dir-1"));
  const std::string second = SendOk(DirMessage("dir-2", "alcohol"));
  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(2));

  v1::Settlement nack;
  nack.set_lease_id(got[0].lease_id());
  nack.mutable_nack()->mutable_retry_after()->set_seconds(30);
  nack.mutable_nack()->set_reason("case system offline");
  v1::Settlement reject;
  reject.set_lease_id(got[1].lease_id());
  reject.mutable_reject()->set_reason("not a person we can take: outside our area");
  v1::AckResponse settled;
  ASSERT_TRUE(Settle(kCjit, {nack, reject}, &settled).ok());
  EXPECT_EQ(settled.results(0).state(), v1::DELIVERY_STATE_PENDING);
  EXPECT_EQ(settled.results(1).state(), v1::DELIVERY_STATE_DEAD_LETTERED);

  EXPECT_THAT(Receive(kCjit), SizeIs(0));  // the nack's delay has not passed
  clock_.Advance(absl::Seconds(30));
  got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].message_id(), first);
  EXPECT_EQ(got[0].attempt(), 2);

  v1::MessageStatus status = Status(second);
  EXPECT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_DEAD_LETTERED);
  EXPECT_THAT(status.recipients(0).reason(), HasSubstr("outside our area"));
  std::vector<v1::Delivery> reports = Receive(kCarat);
  ASSERT_THAT(reports, SizeIs(1));
  EXPECT_EQ(reports[0].report().message_id(), second);
  EXPECT_THAT(AuditFor("message.nack"), SizeIs(1));
}

TEST_F(MessagingTest, SettlementsAreAllOrNothing) {
  ConsentToCjit();
  SendOk(DirMessage("dir-1"));
  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  v1::Settlement unknown;
  unknown.set_lease_id("lse_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  unknown.mutable_ack();
  grpc::Status s = Settle(kCjit, {AckOf(got[0]), unknown});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("settlements[1].lease_id"));
  // The first was not acked either: its lease still works.
  EXPECT_TRUE(Settle(kCjit, {AckOf(got[0])}).ok());
}

TEST_F(MessagingTest, ExpiredMessagesAreReportedToTheSender) {
  ConsentToCjit();
  v1::SendRequest req = DirMessage("dir-1");
  req.mutable_time_to_live()->set_seconds(60);
  const std::string message = SendOk(req);
  clock_.Advance(absl::Seconds(60));
  broker_->RunPeriodicWork();
  v1::MessageStatus status = Status(message);
  ASSERT_THAT(status.recipients(), SizeIs(1));
  ASSERT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_EXPIRED);
  EXPECT_TRUE(status.recipients(0).has_ended_at());
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
  std::vector<v1::Delivery> reports = Receive(kCarat);
  ASSERT_THAT(reports, SizeIs(1));
  EXPECT_EQ(reports[0].report().state(), v1::DELIVERY_STATE_EXPIRED);
  EXPECT_EQ(reports[0].report().message_id(), message);
  EXPECT_THAT(AuditFor("message.expire"), SizeIs(1));
}

TEST_F(MessagingTest, MailboxLimitIsResourceExhaustedNamingTheMailbox) {
  // One sender's share is no limit here (by default it is a fair share of the mailbox).
  Restart([](messaging::MessagingLimits& l) {
    l.mailbox_limit = 2;
    l.mailbox_sender_quota = 3;
  });
  ConsentToCjit();
  SendOk(DirMessage("dir-1"));
  SendOk(DirMessage("dir-2"));
  v1::SendResponse out;
  grpc::Status s = Send(kCarat, DirMessage("dir-3"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("mailbox of agency 'cjit-east' is full"));
  // Acking makes room; nothing of the refused send was kept.
  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(2));
  ASSERT_TRUE(Settle(kCjit, {AckOf(got[0])}).ok());
  EXPECT_TRUE(Send(kCarat, DirMessage("dir-3"), &out).ok());
  EXPECT_FALSE(out.duplicate());
}

TEST_F(MessagingTest, SendRateAndMessageSizeLimits) {
  Restart([](messaging::MessagingLimits& l) {
    l.send_rate_per_second = 1;
    l.send_burst = 2;
    l.max_message_bytes = 2048;
  });
  ConsentToCjit();
  v1::SendResponse out;
  v1::SendRequest big = DirMessage("big");
  big.mutable_inline_record()->mutable_body()->mutable_drug_interventions_record()->set_notes(
      std::string(3000, 'x'));
  grpc::Status s = Send(kCarat, big, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("limit is 2048 bytes"));

  // The big one took the first token; one more fits the burst, then the rate says no.
  SendOk(DirMessage("dir-1"));
  s = Send(kCarat, DirMessage("dir-2"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("send rate limit of agency 'hmp-northgate'"));
  clock_.Advance(absl::Seconds(1));
  SendOk(DirMessage("dir-2"));
}

TEST_F(MessagingTest, MailboxIsFirstInFirstOut) {
  ConsentToCjit();
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(SendOk(DirMessage(absl::StrCat("dir-", i))));
  std::vector<std::string> received;
  for (const v1::Delivery& d : Receive(kCjit, 3)) received.push_back(d.message_id());
  for (const v1::Delivery& d : Receive(kCjit, 3)) received.push_back(d.message_id());
  EXPECT_EQ(received, sent);
}

TEST_F(MessagingTest, ConcurrentReceiversNeverShareALease) {
  ConsentToCjit();
  constexpr int kMessages = 60;
  std::set<std::string> sent;
  for (int i = 0; i < kMessages; ++i) sent.insert(SendOk(DirMessage(absl::StrCat("dir-", i))));

  absl::Mutex mu;
  std::vector<std::string> leases, messages;
  std::vector<std::thread> receivers;
  for (int r = 0; r < 4; ++r) {
    receivers.emplace_back([&] {
      for (int empty = 0; empty < 3;) {
        std::vector<v1::Delivery> got = Receive(kCjit, 3);
        if (got.empty()) {
          ++empty;
          continue;
        }
        absl::MutexLock lock(&mu);
        for (const v1::Delivery& d : got) {
          leases.push_back(d.lease_id());
          messages.push_back(d.message_id());
        }
      }
    });
  }
  for (auto& t : receivers) t.join();
  EXPECT_THAT(leases, SizeIs(kMessages));
  EXPECT_EQ(std::set<std::string>(leases.begin(), leases.end()).size(), leases.size());
  EXPECT_EQ(std::set<std::string>(messages.begin(), messages.end()), sent);
}

TEST_F(MessagingTest, DiagnosticsEchoAndCountMessagesPerCommit) {
  auto diagnostics = v1::DiagnosticsService::NewStub(ChannelFor(kCjit.agency));
  v1::EchoRequest echo;
  echo.set_payload(std::string(1024, 'e'));
  v1::EchoResponse echoed;
  ASSERT_TRUE(diagnostics->Echo(ContextFor(kCjit).get(), echo, &echoed).ok());
  EXPECT_EQ(echoed.payload(), echo.payload());
  echo.set_payload(std::string((1 << 20) + 1, 'e'));
  EXPECT_EQ(diagnostics->Echo(ContextFor(kCjit).get(), echo, &echoed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ConsentToCjit();
  v1::Stats before;
  ASSERT_TRUE(diagnostics->GetStats(ContextFor(kCjit).get(), {}, &before).ok());
  EXPECT_EQ(before.messages_accepted(), 0);
  constexpr int kSenders = 16;
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([this, i] { SendOk(DirMessage(absl::StrCat("dir-", i))); });
  }
  for (auto& t : senders) t.join();
  SendOk(DirMessage("dir-0"));  // a replay is not a new message
  v1::Stats after;
  ASSERT_TRUE(diagnostics->GetStats(ContextFor(kCjit).get(), {}, &after).ok());
  EXPECT_EQ(after.messages_accepted(), kSenders);
  EXPECT_GE(after.message_commits(), 1);
  EXPECT_LE(after.message_commits(), kSenders);
  EXPECT_GE(after.storage_commits() - before.storage_commits(), after.message_commits());
  EXPECT_GE(after.storage_transactions() - before.storage_transactions(), kSenders + 1);
}

TEST_F(MessagingTest, SubscribeNeverHasMoreInFlightThanItsCredit) {
  ConsentToCjit();
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(SendOk(DirMessage(absl::StrCat("dir-", i))));
  auto stub = Messaging(kCjit.agency);
  Subscription sub(*stub, ContextFor(kCjit), /*credit=*/2);
  ASSERT_EQ(sub.AwaitDeliveries(2, absl::Seconds(5)), 2u);
  // No third while two are unsettled (the broker re-checks every 100 ms).
  EXPECT_EQ(sub.AwaitDeliveries(3, absl::Milliseconds(600)), 2u);
  EXPECT_EQ(sub.delivery(0).message_id(), sent[0]);
  EXPECT_EQ(sub.delivery(1).message_id(), sent[1]);

  v1::SubscribeRequest ack;
  *ack.mutable_settle() = AckOf(sub.delivery(0));
  sub.Write(ack);
  ASSERT_EQ(sub.AwaitSettled(1, absl::Seconds(5)), 1u);
  EXPECT_EQ(sub.settled(0).state(), v1::DELIVERY_STATE_ACKNOWLEDGED);
  EXPECT_EQ(sub.settled(0).error_code(), "");
  ASSERT_EQ(sub.AwaitDeliveries(3, absl::Seconds(5)), 3u);
  EXPECT_EQ(sub.AwaitDeliveries(4, absl::Milliseconds(600)), 3u);
  EXPECT_EQ(sub.delivery(2).message_id(), sent[2]);

  // More credit, more deliveries; a settlement of an unknown lease fails without ending the
  // stream.
  v1::SubscribeRequest credit;
  credit.set_credit(10);
  sub.Write(credit);
  ASSERT_EQ(sub.AwaitDeliveries(5, absl::Seconds(5)), 5u);
  v1::SubscribeRequest bad;
  bad.mutable_settle()->set_lease_id("lse_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  bad.mutable_settle()->mutable_ack();
  sub.Write(bad);
  ASSERT_EQ(sub.AwaitSettled(2, absl::Seconds(5)), 2u);
  EXPECT_EQ(sub.settled(1).error_code(), "FAILED_PRECONDITION");

  // A message sent now arrives on the open stream.
  const std::string late = SendOk(DirMessage("dir-late"));
  ASSERT_EQ(sub.AwaitDeliveries(6, absl::Seconds(5)), 6u);
  EXPECT_EQ(sub.delivery(5).message_id(), late);
}

TEST_F(MessagingTest, ConcurrentSubscribersShareTheMailboxWithoutSharingALease) {
  ConsentToCjit();
  constexpr int kMessages = 60;
  std::set<std::string> sent;
  for (int i = 0; i < kMessages; ++i) sent.insert(SendOk(DirMessage(absl::StrCat("dir-", i))));
  std::vector<std::unique_ptr<v1::MessagingService::Stub>> stubs;
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < 4; ++i) {
    stubs.push_back(Messaging(kCjit.agency));
    subs.push_back(std::make_unique<Subscription>(*stubs.back(), ContextFor(kCjit), /*credit=*/3,
                                                  /*auto_ack=*/true));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  auto total = [&] {
    size_t n = 0;
    for (auto& sub : subs) n += sub->settled_count();
    return n;
  };
  while (total() < kMessages && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  std::vector<std::string> leases, messages;
  int busy = 0;
  for (auto& sub : subs) {
    std::vector<v1::Delivery> got = sub->deliveries();
    busy += got.empty() ? 0 : 1;
    for (const v1::Delivery& d : got) {
      leases.push_back(d.lease_id());
      messages.push_back(d.message_id());
      EXPECT_EQ(d.attempt(), 1);
    }
  }
  EXPECT_THAT(leases, SizeIs(kMessages));
  EXPECT_EQ(std::set<std::string>(leases.begin(), leases.end()).size(), leases.size());
  EXPECT_EQ(std::set<std::string>(messages.begin(), messages.end()), sent);
  EXPECT_GE(busy, 2);  // the work was shared
  v1::MessageStatus status = Status(*sent.begin());
  EXPECT_EQ(status.recipients(0).state(), v1::DELIVERY_STATE_ACKNOWLEDGED);
}

TEST_F(MessagingTest, ShutdownEndsOpenSubscriptionsAtOnce) {
  ConsentToCjit();
  auto stub = Messaging(kCjit.agency);
  auto ctx = ContextFor(kCjit);
  auto stream = stub->Subscribe(ctx.get());
  v1::SubscribeRequest credit;
  credit.set_credit(5);
  stream->Write(credit);
  SendOk(DirMessage("dir-1"));
  v1::SubscribeResponse r;
  ASSERT_TRUE(stream->Read(&r));  // the stream is open at the broker
  ASSERT_TRUE(r.has_delivery());

  const absl::Time start = absl::Now();
  StopBroker();  // a 5 s grace: open streams must not use it up
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  while (stream->Read(&r)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(MessagingTest, SubscribeRequiresCreditFirst) {
  auto stub = Messaging(kCjit.agency);
  auto ctx = ContextFor(kCjit);
  auto stream = stub->Subscribe(ctx.get());
  v1::SubscribeRequest settle;
  settle.mutable_settle()->set_lease_id("lse_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  settle.mutable_settle()->mutable_ack();
  stream->Write(settle);
  stream->WritesDone();
  v1::SubscribeResponse r;
  EXPECT_FALSE(stream->Read(&r));
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("credit"));
}

}  // namespace
}  // namespace throughcare::testing
