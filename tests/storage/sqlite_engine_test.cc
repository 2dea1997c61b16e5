// SQLite's engine beyond the storage contract: concurrent writes share one commit (group
// commit), each closure still atomic; answers come from a completion thread of their own, so a
// slow answer never holds up the next commit. Another backend batches differently (or not at
// all), which is why these are not contract tests.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "services/storage/sqlite_storage.h"
#include "tests/storage/conformance_values.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using namespace conformance_values;  // NOLINT: the suite's value builders

class SqliteEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/tc-engine-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    storage::SqliteOptions options;
    options.path = dir_ + "/throughcare.db";
    ASSERT_OK_AND_ASSIGN(storage_, storage::OpenSqliteStorage(options));
  }
  void TearDown() override {
    if (storage_ != nullptr) storage_->Close();
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<Storage> storage_;
};

TEST_F(SqliteEngineTest, WritesQueuedBehindACommitShareTheNextOne) {
  ASSERT_THAT(storage_->WriteAndWait(
                  [](WriteTx& tx) { return tx.InsertSubject(MakeSubject("first")); }),
              IsOk());
  const StorageStats before = storage_->Stats();

  // The first closure holds the writer (closures must not block; this one does, to queue the
  // others behind it), so the others are committed together once it lets go.
  constexpr int kQueued = 8;
  absl::Notification holding;
  absl::Notification release;
  absl::BlockingCounter finished(1 + kQueued);
  std::vector<absl::Status> results(kQueued);
  storage_->Write(
      [&](WriteTx& tx) {
        holding.Notify();
        release.WaitForNotification();
        return tx.InsertSubject(MakeSubject("held"));
      },
      [&](absl::Status s) {
        EXPECT_THAT(s, IsOk());
        finished.DecrementCount();
      });
  holding.WaitForNotification();
  for (int i = 0; i < kQueued; ++i) {
    storage_->Write(
        [i](WriteTx& tx) -> absl::Status {
          RETURN_IF_ERROR(tx.InsertSubject(MakeSubject(absl::StrCat("s", i))));
          // A closure that fails is still part of the commit, and leaves nothing.
          if (i % 3 == 0) return absl::InvalidArgumentError("refused after writing");
          return absl::OkStatus();
        },
        [&, i](absl::Status s) {
          results[i] = std::move(s);
          finished.DecrementCount();
        });
  }
  release.Notify();
  finished.Wait();

  const StorageStats after = storage_->Stats();
  EXPECT_EQ(after.commits - before.commits, 2) << "the held write's commit, then one for all";
  EXPECT_EQ(after.transactions - before.transactions, 1 + kQueued);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (int i = 0; i < kQueued; ++i) {
      EXPECT_THAT(results[i], StatusIs(i % 3 == 0 ? absl::StatusCode::kInvalidArgument
                                                  : absl::StatusCode::kOk))
          << "closure " << i;
      EXPECT_EQ(tx.GetSubject(absl::StrCat("s", i)).ok(), i % 3 != 0) << "closure " << i;
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_F(SqliteEngineTest, ASlowAnswerDoesNotHoldUpTheNextCommit) {
  // The first write's answer queues a second write and waits until it is visibly committed.
  // Were answers given on the writer, the second commit could not happen while it waits. (The
  // contract forbids blocking in `done`; this engine survives it, and this shows why.)
  absl::Notification second_committed;
  absl::Notification first_answered;
  bool saw_second = false;
  storage_->Write([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("first")); },
                  [&](absl::Status s) {
                    EXPECT_THAT(s, IsOk());
                    storage_->Write(
                        [](WriteTx& tx) { return tx.InsertSubject(MakeSubject("second")); },
                        [](absl::Status s) { EXPECT_THAT(s, IsOk()); });
                    saw_second = second_committed.WaitForNotificationWithTimeout(absl::Seconds(5));
                    first_answered.Notify();
                  });
  for (int i = 0; i < 1000 && !first_answered.HasBeenNotified(); ++i) {
    bool found = false;
    ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
      found = tx.GetSubject("second").ok();
      return absl::OkStatus();
    }), IsOk());
    if (found && !second_committed.HasBeenNotified()) second_committed.Notify();
    absl::SleepFor(absl::Milliseconds(5));
  }
  first_answered.WaitForNotification();
  EXPECT_TRUE(saw_second) << "the second commit waited for the first answer";
}

TEST_F(SqliteEngineTest, CountsRecordsMessagesPerCommit) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertMessage(MakeMessage("msg_1")));
    return tx.InsertMessage(MakeMessage("msg_2"));
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertMessage(MakeMessage("msg_3")));
    return absl::InternalError("undone");
  }), StatusIs(absl::StatusCode::kInternal));
  const StorageStats stats = storage_->Stats();
  EXPECT_EQ(stats.records_messages, 2);
  EXPECT_EQ(stats.records_message_commits, 1);
}

}  // namespace
}  // namespace throughcare::testing
