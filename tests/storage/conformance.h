// The storage conformance suite: what every Storage implementation must do, written against the
// interface only. A backend's test file instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformanceTest,
//                            ::testing::Values(StorageFactory{"sqlite", OpenFn}),
//                            StorageFactoryName);
//
// The contract tests are the conformance_*.cc files, one per part of the interface. What one
// engine does beyond the contract (SQLite's group commit, its completion thread) is tested with
// that engine (tests/storage/sqlite_engine_test.cc), not here.
#ifndef THROUGHCARE_TESTS_STORAGE_CONFORMANCE_H_
#define THROUGHCARE_TESTS_STORAGE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "services/core/in_process_notifier.h"
#include "throughcare/notifier.h"
#include "throughcare/storage.h"

namespace throughcare::testing {

struct StorageFactory {
  std::string name;
  // Opens the store that lives at `location`, publishing WriteTx::Notify to `notifier` (which
  // outlives it); opening the same location again must see everything committed before (that is
  // how durability across restarts is tested).
  std::function<absl::StatusOr<std::unique_ptr<Storage>>(const std::string& location,
                                                         Notifier& notifier)>
      open;
};

// Test names end in the backend's name (".../sqlite"), and gtest prints a factory as its name.
inline std::string StorageFactoryName(const ::testing::TestParamInfo<StorageFactory>& info) {
  return info.param.name;
}
inline void PrintTo(const StorageFactory& factory, std::ostream* os) { *os << factory.name; }

class StorageConformanceTest : public ::testing::TestWithParam<StorageFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::unique_ptr<Storage> Reopen();

  std::string location_;
  InProcessNotifier notifier_;  // declared first: outlives storage_
  std::unique_ptr<Storage> storage_;
};

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_STORAGE_CONFORMANCE_H_
