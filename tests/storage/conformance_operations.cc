// The storage conformance suite, continued: what operating the broker relies on beside the
// domain's reads and writes. After-commit callbacks (counting events once they have happened),
// mailbox depths (metrics), CheckWritable (health) and the receipts of adapters' inputs.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;

const absl::Time kSent = absl::FromUnixSeconds(1'900'000'000);

// A message of its own, sent `minutes` after kSent, and its delivery to `recipient` in `state`.
absl::Status Deliver(WriteTx& tx, const std::string& id, const std::string& recipient,
                     int minutes, DeliveryState state) {
  Message m;
  m.message_id = id;
  m.sender_agency = "prison-a";
  m.subject_id = "subject-" + id;
  m.purpose = "direct_care";
  m.created_at = kSent + absl::Minutes(minutes);
  m.expires_at = m.created_at + absl::Hours(72);
  if (absl::Status s = tx.InsertMessage(m); !s.ok()) return s;
  Delivery d;
  d.message_id = id;
  d.recipient_agency = recipient;
  d.state = state;
  d.available_at = m.created_at;
  d.expires_at = m.expires_at;
  d.updated_at = m.created_at;
  if (state == DeliveryState::kLeased) {
    d.lease_id = "lse_" + id;
    d.lease_expires_at = m.created_at + absl::Minutes(5);
  }
  return tx.InsertDelivery(d).status();
}

TEST_P(StorageConformanceTest, AfterCommitRunsOnceDurableAndNotForUndoneWrites) {
  std::vector<std::string> ran;
  bool ran_before_done = false;
  absl::Notification first_done;  // the contract orders no write's done after another's
  storage_->Write(
      [&](WriteTx& tx) -> absl::Status {
        tx.AfterCommit([&] { ran.push_back("kept"); });
        EXPECT_THAT(tx.Atomically([&](WriteTx& t) {
          t.AfterCommit([&] { ran.push_back("undone with its Atomically"); });
          return absl::AbortedError("undo");
        }), StatusIs(absl::StatusCode::kAborted));
        EXPECT_TRUE(ran.empty()) << "nothing runs before the commit";
        return absl::OkStatus();
      },
      [&](absl::Status s) {
        EXPECT_THAT(s, IsOk());
        ran_before_done = ran == std::vector<std::string>{"kept"};
        first_done.Notify();
      });
  first_done.WaitForNotification();
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    tx.AfterCommit([&] { ran.push_back("of a failed closure"); });
    return absl::InvalidArgumentError("refused");
  }), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(ran_before_done) << "after-commit callbacks run before the closure's done";
  EXPECT_THAT(ran, ElementsAre("kept"));
}

TEST_P(StorageConformanceTest, GetMailboxDepthCountsOpenDeliveriesAndTheOldestMessage) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    // In mailbox order: acknowledged and withheld ones are not open; the first open one is the
    // leased message sent 2 minutes after kSent.
    const struct {
      const char* id;
      const char* recipient;
      int minutes;
      DeliveryState state;
    } deliveries[] = {{"msg_1", "cjit-east", 0, DeliveryState::kAcked},
                      {"msg_2", "cjit-east", 1, DeliveryState::kWithheld},
                      {"msg_3", "cjit-east", 2, DeliveryState::kLeased},
                      {"msg_4", "cjit-east", 3, DeliveryState::kPending},
                      {"msg_5", "housing-east", 4, DeliveryState::kDeadLettered}};
    for (const auto& d : deliveries) {
      if (absl::Status s = Deliver(tx, d.id, d.recipient, d.minutes, d.state); !s.ok()) return s;
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    absl::StatusOr<MailboxDepth> cjit = tx.GetMailboxDepth("cjit-east");
    EXPECT_THAT(cjit, IsOk());
    EXPECT_EQ(cjit->open, 2);
    EXPECT_EQ(cjit->oldest_sent_at, kSent + absl::Minutes(2));
    for (const char* empty : {"housing-east", "nobody"}) {
      absl::StatusOr<MailboxDepth> none = tx.GetMailboxDepth(empty);
      EXPECT_THAT(none, IsOk());
      EXPECT_EQ(none->open, 0) << empty;
      EXPECT_EQ(none->oldest_sent_at, std::nullopt) << empty;
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CheckWritableCommitsAndChangesNothingVisible) {
  const StorageStats before = storage_->Stats();
  ASSERT_THAT(storage_->CheckWritable(), IsOk());
  EXPECT_GT(storage_->Stats().commits, before.commits);
  EXPECT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    absl::StatusOr<AuditTreeHead> head = tx.GetAuditTreeHead();
    EXPECT_THAT(head, IsOk());
    EXPECT_EQ(head->size, 0);
    EXPECT_THAT(tx.GetMailboxDepth("cjit-east"), IsOk());
    return absl::OkStatus();
  }), IsOk());
  storage_->Close();
  EXPECT_THAT(storage_->CheckWritable(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_P(StorageConformanceTest, AReceiptIsKeptOncePerAgencyAndUndoneWithItsTransaction) {
  Receipt r;
  r.agency_id = "hmp-northgate";
  r.key = "hmpps:evt-1";
  r.request_id = "req-1";
  r.received_at = kSent;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.InsertReceipt(r); }), IsOk());
  Receipt again = r;
  again.request_id = "req-2";
  EXPECT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.InsertReceipt(again); }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  Receipt other_agency = again;
  other_agency.agency_id = "probation-east";
  EXPECT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.InsertReceipt(other_agency); }),
              IsOk());
  // A receipt written by a transaction that fails is not kept.
  Receipt undone = r;
  undone.key = "hmpps:evt-2";
  EXPECT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    if (absl::Status s = tx.InsertReceipt(undone); !s.ok()) return s;
    return absl::AbortedError("undo");
  }), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    absl::StatusOr<Receipt> got = tx.GetReceipt("hmp-northgate", "hmpps:evt-1");
    EXPECT_THAT(got, IsOk());
    EXPECT_EQ(got->request_id, "req-1");
    EXPECT_EQ(got->received_at, kSent);
    EXPECT_THAT(tx.GetReceipt("hmp-northgate", "hmpps:evt-2"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetReceipt("housing-east", "hmpps:evt-1"),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

}  // namespace
}  // namespace throughcare::testing
