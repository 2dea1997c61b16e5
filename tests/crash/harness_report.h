// How the crash harness summarizes what it saw: error codes by name, the broker log's warnings
// and errors, and lists cut short for a report line.
#ifndef THROUGHCARE_TESTS_CRASH_HARNESS_REPORT_H_
#define THROUGHCARE_TESTS_CRASH_HARNESS_REPORT_H_

#include <grpcpp/support/status.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace throughcare::crash {

// The most items a report line lists.
inline constexpr size_t kListAtMost = 10;

// Error codes by name, counted from several threads.
class CodeCounts {
 public:
  void Add(grpc::StatusCode code);
  // "UNAVAILABLE 144, CANCELLED 1", or "none".
  std::string ToString() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

// The broker log's warnings and errors, counted by event (and for calls, method and code):
// "warning rpc Subscribe CANCELLED x1", or "none".
std::string SummarizeLog(const std::string& path);

// The first kListAtMost items joined by "; ", then "; ..." if there were more.
std::string ListSome(const std::vector<std::string>& items);

}  // namespace throughcare::crash

#endif  // THROUGHCARE_TESTS_CRASH_HARNESS_REPORT_H_
