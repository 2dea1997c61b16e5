// Storage contract tests (tests/storage/conformance.h): transactions as closures (atomicity,
// durability, isolation, closing) and the wake-ups they publish.
// Written against include/throughcare/storage.h only; every backend must pass them.
#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/storage/conformance_values.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using namespace conformance_values;  // NOLINT: the suite's value builders

TEST_P(StorageConformanceTest, FailedClosureLeavesNothingAndOthersInTheBatchCommit) {
  constexpr int kWriters = 64;
  absl::BlockingCounter finished(kWriters);
  std::vector<absl::Status> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    storage_->Write(
        [i](WriteTx& tx) -> absl::Status {
          absl::Status s = tx.InsertSubject(MakeSubject(absl::StrCat("s", i)));
          if (!s.ok()) return s;
          if (i % 4 == 0) return absl::InvalidArgumentError("refused after writing");
          return absl::OkStatus();
        },
        [&, i](absl::Status s) {
          results[i] = std::move(s);
          finished.DecrementCount();
        });
  }
  finished.Wait();
  StorageStats stats = storage_->Stats();
  EXPECT_LT(stats.commits, kWriters) << "concurrent writes should share commits";
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (int i = 0; i < kWriters; ++i) {
      if (i % 4 == 0) {
        EXPECT_THAT(results[i], StatusIs(absl::StatusCode::kInvalidArgument));
        EXPECT_THAT(tx.GetSubject(absl::StrCat("s", i)), StatusIs(absl::StatusCode::kNotFound));
      } else {
        EXPECT_THAT(results[i], IsOk());
        EXPECT_THAT(tx.GetSubject(absl::StrCat("s", i)), IsOk());
      }
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AtomicallyUndoesOnlyItsOwnWrites) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("kept-before")), IsOk());
    EXPECT_THAT(tx.Atomically([](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertSubject(MakeSubject("undone")), IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.Atomically([](WriteTx& t) { return t.InsertSubject(MakeSubject("kept-inner")); }),
                IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("kept-after")), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetSubject("kept-before"), IsOk());
    EXPECT_THAT(tx.GetSubject("kept-inner"), IsOk());
    EXPECT_THAT(tx.GetSubject("kept-after"), IsOk());
    EXPECT_THAT(tx.GetSubject("undone"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CommittedWritesSurviveReopen) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")), IsOk());
    return AppendAndSequence(tx, {MakeAudit(1, "s1", "a")});
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetSubject("s1"), IsOk());
    EXPECT_THAT(tx.GetRecord("r1", 1), IsOk());
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 1);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConcurrentReadersSeeOnlyCommittedState) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      absl::Status s = storage_->Read([&](ReadTx& tx) -> absl::Status {
        // Subjects are written in pairs in one closure: a reader must never see half a pair.
        for (int i = 0; i < 50; ++i) {
          bool a = tx.GetSubject(absl::StrCat("a", i)).ok();
          bool b = tx.GetSubject(absl::StrCat("b", i)).ok();
          if (a != b) bad.fetch_add(1);
        }
        return absl::OkStatus();
      });
      if (!s.ok()) bad.fetch_add(1);
      reads.fetch_add(1);
    }
  });
  for (int i = 0; i < 50; ++i) {
    ASSERT_THAT(storage_->WriteAndWait([i](WriteTx& tx) -> absl::Status {
      absl::Status s = tx.InsertSubject(MakeSubject(absl::StrCat("a", i)));
      if (!s.ok()) return s;
      return tx.InsertSubject(MakeSubject(absl::StrCat("b", i)));
    }), IsOk());
  }
  stop.store(true);
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad.load(), 0);
}

TEST_P(StorageConformanceTest, WritesAfterCloseAreRefused) {
  storage_->Close();
  EXPECT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("x")); }),
              StatusIs(absl::StatusCode::kUnavailable));
}

// Waits a little for `n` to be notified; a notification that should not come is given that
// long to show up.
bool Woken(absl::Notification& n) { return n.WaitForNotificationWithTimeout(absl::Seconds(2)); }

TEST_P(StorageConformanceTest, NotifyIsPublishedOnlyWhenItsWritesCommit) {
  absl::Notification failed_woke;
  absl::Notification undone_woke;
  absl::Notification kept_woke;
  Notifier::Handle failed = notifier_.Listen("failed", [&] { failed_woke.Notify(); });
  Notifier::Handle undone = notifier_.Listen("undone", [&] { undone_woke.Notify(); });
  Notifier::Handle kept = notifier_.Listen("kept", [&] { kept_woke.Notify(); });
  EXPECT_THAT(storage_->WriteAndWait([](WriteTx& tx) {
    tx.Notify("failed");
    return absl::AbortedError("refused");
  }), StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.Atomically([](WriteTx& t) {
      t.Notify("undone");
      return absl::AbortedError("undone");
    }), StatusIs(absl::StatusCode::kAborted));
    tx.Notify("kept");
    tx.Notify("kept");
    return absl::OkStatus();
  }), IsOk());
  EXPECT_TRUE(Woken(kept_woke));
  // Notifications reach a listener in the order they were published, so anything published by
  // the earlier transactions would have arrived before "kept". (No timed wait for something not
  // to happen: under a moved clock, absl's timed waits can outlast the test.)
  EXPECT_FALSE(failed_woke.HasBeenNotified());
  EXPECT_FALSE(undone_woke.HasBeenNotified());
  for (Notifier::Handle h : {failed, undone, kept}) notifier_.Unlisten(h);
}
}  // namespace
}  // namespace throughcare::testing
