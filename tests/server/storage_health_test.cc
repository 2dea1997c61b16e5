// HealthCheckedStorage over a real SQLite file: which outcomes mark the storage failing, what
// marks it healthy again, and what the observer (the broker's gRPC health) is told. A write's
// closure returns what the domain would have returned after a storage failure (services wrap
// the storage's errors and keep their words); the full disk itself is in
// tests/integration/storage_faults_test.cc.
#include "services/server/storage_health.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/storage/sqlite_storage.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::testing::ElementsAre;
using ::throughcare::testing::IsOk;

class StorageHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One directory per test and process: ctest runs the tests of this file side by side.
    const std::string dir = absl::StrCat(
        ::testing::TempDir(), "/tc-storage-health-", getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path_ = dir + "/throughcare.db";
    storage::SqliteOptions options;
    options.path = path_;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> inner, storage::OpenSqliteStorage(options));
    storage_ = std::make_unique<HealthCheckedStorage>(std::move(inner), path_);
    storage_->set_observer([this](StorageCondition c) { seen_.push_back(c); });
  }

  // A write whose closure ends with `status`, as a domain call would.
  absl::Status WriteEndingWith(absl::Status status) {
    return storage_->WriteAndWait([status](WriteTx&) { return status; });
  }
  absl::Status ReadEndingWith(absl::Status status) {
    return storage_->Read([status](ReadTx&) { return status; });
  }

  absl::Status Full() const {
    return absl::ResourceExhaustedError(
        absl::StrCat(kStorageFull, ": no space left to write ", path_));
  }

  std::string path_;
  std::unique_ptr<HealthCheckedStorage> storage_;
  std::vector<StorageCondition> seen_;
};

TEST_F(StorageHealthTest, TheDomainsOwnAnswersMeanTheStorageWorks) {
  EXPECT_FALSE(WriteEndingWith(absl::NotFoundError("no such person")).ok());
  EXPECT_FALSE(
      WriteEndingWith(absl::ResourceExhaustedError("the mailbox of agency 'cjit-east' is full"))
          .ok());
  EXPECT_FALSE(ReadEndingWith(absl::PermissionDeniedError("no rule permits it")).ok());
  EXPECT_EQ(storage_->condition(), StorageCondition::kHealthy);
  EXPECT_THAT(seen_, ElementsAre(StorageCondition::kHealthy)) << "told once, when set";
}

TEST_F(StorageHealthTest, AFullDiskIsFullUntilAWriteCommitsAgain) {
  // However a service wrapped it, the words say the disk is full.
  EXPECT_FALSE(WriteEndingWith(absl::UnavailableError(absl::StrCat(
                   "audit log unavailable, so the request was not carried out: ",
                   Full().message())))
                   .ok());
  EXPECT_EQ(storage_->condition(), StorageCondition::kFull);
  EXPECT_FALSE(ReadEndingWith(Full()).ok());
  EXPECT_EQ(storage_->failures(StorageCondition::kFull), 2);

  // A write that changed nothing commits even on a full disk: it proves nothing.
  EXPECT_THAT(WriteEndingWith(absl::OkStatus()), IsOk());
  EXPECT_EQ(storage_->condition(), StorageCondition::kFull);

  // The periodic recheck commits a real write; this disk has room, so it is healthy again.
  EXPECT_TRUE(storage_->Recheck());
  EXPECT_EQ(storage_->condition(), StorageCondition::kHealthy);
  EXPECT_THAT(seen_, ElementsAre(StorageCondition::kHealthy, StorageCondition::kFull,
                                 StorageCondition::kHealthy));
}

TEST_F(StorageHealthTest, AnIoErrorIsFailingUntilAWriteCommitsAgain) {
  EXPECT_FALSE(ReadEndingWith(absl::UnavailableError("sqlite: disk I/O error")).ok());
  EXPECT_EQ(storage_->condition(), StorageCondition::kFailing);
  EXPECT_TRUE(storage_->Recheck());
  EXPECT_THAT(seen_, ElementsAre(StorageCondition::kHealthy, StorageCondition::kFailing,
                                 StorageCondition::kHealthy));
}

TEST_F(StorageHealthTest, CorruptionStaysUntilRestart) {
  EXPECT_FALSE(
      WriteEndingWith(absl::DataLossError("sqlite: database disk image is malformed")).ok());
  EXPECT_FALSE(WriteEndingWith(Full()).ok());
  EXPECT_EQ(storage_->condition(), StorageCondition::kCorrupt);
  EXPECT_FALSE(storage_->Recheck()) << "a write that commits does not show the file is sound";
  EXPECT_EQ(storage_->condition(), StorageCondition::kCorrupt);
  EXPECT_EQ(storage_->failures(StorageCondition::kCorrupt), 1);
  EXPECT_THAT(seen_, ElementsAre(StorageCondition::kHealthy, StorageCondition::kCorrupt));
}

TEST_F(StorageHealthTest, RefusalsAfterCloseAreTheShutdownNotAFailure) {
  storage_->Close();
  EXPECT_FALSE(WriteEndingWith(absl::OkStatus()).ok());
  EXPECT_EQ(storage_->condition(), StorageCondition::kHealthy);
}

}  // namespace
}  // namespace throughcare::server
