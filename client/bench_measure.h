// How `throughcare bench` runs a phase and measures it: threads making calls for a warm-up and
// a measured window on the process clock, a progress line a second, and the calls that finished
// in the window tallied into a rate, latency percentiles and errors by code.
#ifndef THROUGHCARE_CLIENT_BENCH_MEASURE_H_
#define THROUGHCARE_CLIENT_BENCH_MEASURE_H_

#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace throughcare::client::bench {

// The process clock all times are taken from, in nanoseconds.
int64_t NowNs();

// The measured part of a phase, [begin, end) on the process clock.
struct Window {
  int64_t begin = 0;
  int64_t end = 0;

  bool Contains(int64_t t) const { return t >= begin && t < end; }
  double seconds() const { return static_cast<double>(end - begin) / 1e9; }
};

// One finished call.
struct Call {
  int64_t start = 0;
  int64_t end = 0;
  grpc::StatusCode code = grpc::StatusCode::OK;
};

// What one thread of a phase saw. Written by that thread only, read once it has stopped.
struct SenderLog {
  std::vector<Call> calls;
  // Accepted messages and when their Send started.
  std::vector<std::pair<std::string, int64_t>> sent;
};

// Live totals, for the progress lines.
struct Progress {
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> failed{0};
};

struct Percentiles {
  int64_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
};

// Nearest-rank percentiles of durations in nanoseconds, in milliseconds.
Percentiles Summarize(std::vector<int64_t> ns);

// Calls that finished in the window: the rate of successful ones, their latency, and the
// failures by code.
struct PhaseResult {
  double rate = 0;
  Percentiles latency;
  std::map<std::string, int64_t> errors;
};

PhaseResult Tally(const std::vector<SenderLog>& logs, const Window& window);

// One phase: `threads` threads each run `work` until told to stop, `warmup` then `duration`.
struct PhaseSpec {
  std::string name;
  int threads = 0;
  absl::Duration warmup;
  absl::Duration duration;
  // (thread index, stop flag, the thread's log); counts each call in `progress`.
  std::function<void(int, const std::atomic<bool>&, SenderLog&)> work;
  // Appended to each progress line.
  std::function<std::string()> extra_progress = [] { return std::string(); };
  // Run when the measurement begins and when it ends; an error ends the phase.
  std::function<absl::Status()> at_window_begin = [] { return absl::OkStatus(); };
  std::function<absl::Status()> at_window_end = [] { return absl::OkStatus(); };
};

struct PhaseRun {
  Window window;
  std::vector<SenderLog> logs;  // one per thread
};

// Runs the phase, printing a progress line a second to `err`, and returns once every thread has
// stopped.
absl::StatusOr<PhaseRun> RunPhase(const PhaseSpec& spec, const Progress& progress,
                                  std::ostream& err);

}  // namespace throughcare::client::bench

#endif  // THROUGHCARE_CLIENT_BENCH_MEASURE_H_
