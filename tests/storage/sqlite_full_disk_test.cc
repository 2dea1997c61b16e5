// The SQLite backend on a real full disk (a small tmpfs, see tests/testing/full_disk.h): a write
// is refused as "storage is full" naming the file, reads go on, and writes succeed again once
// space is freed, without reopening.
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/storage/sqlite_storage.h"
#include "tests/testing/full_disk.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Subject Person(int i) {
  Subject s;
  s.id = absl::StrCat("sub_", i);
  s.home_area = "E99999001";
  s.registered_by_agency = "prison-a";
  s.registered_at = absl::FromUnixSeconds(1'800'000'000);
  return s;
}

class SqliteFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FullDiskSupport().ok()) GTEST_SKIP() << FullDiskSupport().message();
    dir_ = (std::filesystem::path(::testing::TempDir()) / "sqlite-full-disk").lexically_normal();
    ASSERT_THAT(MountTmpfs(dir_, 2 << 20), IsOk());
    storage::SqliteOptions options;
    options.path = dir_ + "/throughcare.db";
    ASSERT_OK_AND_ASSIGN(storage_, storage::OpenSqliteStorage(options));
  }
  void TearDown() override {
    storage_.reset();
    if (!dir_.empty()) {
      EXPECT_THAT(UnmountTmpfs(dir_), IsOk());
    }
  }

  absl::Status Insert(int i) {
    return storage_->WriteAndWait([i](WriteTx& tx) { return tx.InsertSubject(Person(i)); });
  }

  std::string dir_;
  std::unique_ptr<Storage> storage_;
};

TEST_F(SqliteFullDiskTest, AWriteIsRefusedAsFullAndSucceedsOnceSpaceIsFreed) {
  ASSERT_THAT(Insert(1), IsOk());
  ASSERT_OK_AND_ASSIGN(std::string filler, FillDisk(dir_));

  const absl::Status refused = Insert(2);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                StartsWith(std::string(kStorageFull))));
  EXPECT_THAT(refused.message(), HasSubstr(dir_ + "/throughcare.db"));
  EXPECT_TRUE(IsStorageFull(refused));
  EXPECT_TRUE(IsStorageFull(storage_->CheckWritable()));
  // What was committed before can still be read.
  EXPECT_THAT(storage_->Read([](ReadTx& tx) { return tx.GetSubject("sub_1").status(); }),
              IsOk());

  std::filesystem::remove(filler);
  EXPECT_THAT(storage_->CheckWritable(), IsOk());
  EXPECT_THAT(Insert(2), IsOk());
  EXPECT_THAT(storage_->Read([](ReadTx& tx) { return tx.GetSubject("sub_2").status(); }),
              IsOk());
}

}  // namespace
}  // namespace throughcare::testing
