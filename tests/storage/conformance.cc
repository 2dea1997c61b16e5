#include "tests/storage/conformance.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {

void StorageConformanceTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = absl::StrCat(GetParam().name, "_", info->name());
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              absl::StrCat("tc-conformance-", getpid(), "-", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  location_ = dir.string();
  ASSERT_OK_AND_ASSIGN(storage_, GetParam().open(location_, notifier_));
}

void StorageConformanceTest::TearDown() {
  if (storage_ != nullptr) storage_->Close();
  storage_.reset();
  std::filesystem::remove_all(location_);
}

std::unique_ptr<Storage> StorageConformanceTest::Reopen() {
  storage_->Close();
  storage_.reset();
  auto reopened = GetParam().open(location_, notifier_);
  EXPECT_THAT(reopened, IsOk());
  return reopened.ok() ? std::move(reopened).value() : nullptr;
}

}  // namespace throughcare::testing
