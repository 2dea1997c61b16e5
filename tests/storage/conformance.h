// The storage conformance suite: what every Storage implementation must do, written against the
// interface only. A backend's test file instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformanceTest,
//                            ::testing::Values(StorageFactory{"sqlite", OpenFn}));
#ifndef THROUGHCARE_TESTS_STORAGE_CONFORMANCE_H_
#define THROUGHCARE_TESTS_STORAGE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "throughcare/storage.h"

namespace throughcare::testing {

struct StorageFactory {
  std::string name;
  // Opens the store that lives at `location`; opening the same location again must see
  // everything committed before (that is how durability across restarts is tested).
  std::function<absl::StatusOr<std::unique_ptr<Storage>>(const std::string& location)> open;
};

class StorageConformanceTest : public ::testing::TestWithParam<StorageFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<Storage> Reopen();

  std::string location_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_STORAGE_CONFORMANCE_H_
