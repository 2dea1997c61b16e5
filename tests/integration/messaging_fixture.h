// The messaging tests' fixture: a broker with a person in the prison's custody, CARAT's drug
// interventions record as a message to the CJIT, and helpers to send, receive, settle, track and
// subscribe.
#ifndef THROUGHCARE_TESTS_INTEGRATION_MESSAGING_FIXTURE_H_
#define THROUGHCARE_TESTS_INTEGRATION_MESSAGING_FIXTURE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"
#include "throughcare/v1/messaging.grpc.pb.h"

namespace throughcare::testing {

class MessagingTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    subject_id_ = RegisterPerson();  // reception records custody: CARAT works with the person
  }

  // Restarts the broker with changed messaging limits (same data).
  void Restart(const std::function<void(messaging::MessagingLimits&)>& change) {
    StopBroker();
    change(config_.messaging);
    StartBroker();
  }

  std::unique_ptr<v1::MessagingService::Stub> Messaging(const std::string& agency) {
    return v1::MessagingService::NewStub(ChannelFor(agency));
  }

  // CARAT's send of an inline drug interventions record to the CJIT.
  v1::SendRequest DirMessage(const std::string& key, const std::string& substance = "heroin") {
    v1::SendRequest req;
    req.set_purpose("direct_care");
    req.add_recipient_agencies("cjit-east");
    req.set_subject_id(subject_id_);
    req.set_idempotency_key(key);
    req.set_correlation_id("referral-1");
    v1::InlineRecord* record = req.mutable_inline_record();
    record->set_data_class("drugs");
    v1::DrugInterventionsRecord* dir = record->mutable_body()->mutable_drug_interventions_record();
    dir->set_assessment_date(DateFromToday(-30));
    dir->add_substances(substance);
    return req;
  }

  grpc::Status Send(const Actor& actor, const v1::SendRequest& req, v1::SendResponse* out) {
    return Messaging(actor.agency)->Send(ContextFor(actor).get(), req, out);
  }

  // Sends and expects it accepted; returns the message id.
  std::string SendOk(const v1::SendRequest& req, const Actor& actor = kCarat) {
    v1::SendResponse out;
    grpc::Status s = Send(actor, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.message_id();
  }

  std::vector<v1::Delivery> Receive(const Actor& actor, int max = 10, int lease_seconds = 60) {
    v1::ReceiveRequest req;
    req.set_max_messages(max);
    req.mutable_lease()->set_seconds(lease_seconds);
    v1::ReceiveResponse out;
    grpc::Status s = Messaging(actor.agency)->Receive(ContextFor(actor).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.deliveries().begin(), out.deliveries().end()};
  }

  grpc::Status Settle(const Actor& actor, const std::vector<v1::Settlement>& settlements,
                      v1::AckResponse* out = nullptr) {
    v1::AckRequest req;
    for (const auto& s : settlements) *req.add_settlements() = s;
    v1::AckResponse ignored;
    return Messaging(actor.agency)->Ack(ContextFor(actor).get(), req, out ? out : &ignored);
  }

  static v1::Settlement AckOf(const v1::Delivery& d) {
    v1::Settlement s;
    s.set_lease_id(d.lease_id());
    s.mutable_ack();
    return s;
  }

  v1::MessageStatus Status(const std::string& message_id, const Actor& actor = kCarat) {
    v1::GetStatusRequest req;
    req.set_message_id(message_id);
    v1::MessageStatus out;
    grpc::Status s = Messaging(actor.agency)->GetStatus(ContextFor(actor).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<v1::AuditEntry> AuditFor(const std::string& action) {
    v1::QueryAuditLogRequest req;
    req.set_purpose("audit");
    req.set_action(action);
    v1::QueryAuditLogResponse out;
    grpc::Status s = Audit(kAuditor.agency)->QueryAuditLog(ContextFor(kAuditor).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.entries().begin(), out.entries().end()};
  }

  std::string ConsentToCjit() {
    return RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  }

  std::string subject_id_;
};

// A subscription reading in the background.
class Subscription {
 public:
  // With `auto_ack`, the reader acks each delivery as it arrives (and the test must not Write).
  Subscription(v1::MessagingService::Stub& stub, std::unique_ptr<grpc::ClientContext> ctx,
               uint32_t credit, bool auto_ack = false)
      : ctx_(std::move(ctx)), stream_(stub.Subscribe(ctx_.get())) {
    v1::SubscribeRequest first;
    first.set_credit(credit);
    first.mutable_lease()->set_seconds(60);
    stream_->Write(first);
    reader_ = std::thread([this, auto_ack] {
      v1::SubscribeResponse r;
      while (stream_->Read(&r)) {
        if (auto_ack && r.has_delivery()) {
          v1::SubscribeRequest ack;
          ack.mutable_settle()->set_lease_id(r.delivery().lease_id());
          ack.mutable_settle()->mutable_ack();
          stream_->Write(ack);
        }
        absl::MutexLock lock(&mu_);
        if (r.has_delivery()) deliveries_.push_back(r.delivery());
        if (r.has_settled()) settled_.push_back(r.settled());
      }
    });
  }
  ~Subscription() {
    stream_->WritesDone();
    reader_.join();
    grpc::Status ignored = stream_->Finish();
  }

  void Write(const v1::SubscribeRequest& req) { stream_->Write(req); }

  // Waits up to `timeout` for at least `n` deliveries; returns how many arrived.
  size_t AwaitDeliveries(size_t n, absl::Duration timeout) {
    return AwaitCount(&Subscription::DeliveriesLocked, n, timeout);
  }
  size_t AwaitSettled(size_t n, absl::Duration timeout) {
    return AwaitCount(&Subscription::SettledLocked, n, timeout);
  }
  v1::Delivery delivery(size_t i) {
    absl::MutexLock lock(&mu_);
    return deliveries_[i];
  }
  v1::SettlementResult settled(size_t i) {
    absl::MutexLock lock(&mu_);
    return settled_[i];
  }
  std::vector<v1::Delivery> deliveries() {
    absl::MutexLock lock(&mu_);
    return deliveries_;
  }
  size_t settled_count() {
    absl::MutexLock lock(&mu_);
    return settled_.size();
  }

 private:
  // Polls on the monotonic clock: absl's timed waits take their deadline from the wall clock,
  // which tests/calendar/run.sh moves without the kernel knowing.
  size_t AwaitCount(size_t (Subscription::*count)(), size_t n, absl::Duration timeout) {
    const auto give_up = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        const size_t got = (this->*count)();
        if (got >= n || std::chrono::steady_clock::now() > give_up) return got;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  size_t DeliveriesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return deliveries_.size(); }
  size_t SettledLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return settled_.size(); }

  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::SubscribeRequest, v1::SubscribeResponse>> stream_;
  std::thread reader_;
  absl::Mutex mu_;
  std::vector<v1::Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::SettlementResult> settled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_INTEGRATION_MESSAGING_FIXTURE_H_
