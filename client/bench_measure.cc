#include "client/bench_measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "absl/strings/str_format.h"
#include "client/grpc_status.h"
#include "throughcare/status_macros.h"

namespace throughcare::client::bench {
namespace {

void SleepUntilNs(int64_t t) {
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t)));
}

}  // namespace

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Percentiles Summarize(std::vector<int64_t> ns) {
  Percentiles p;
  p.count = static_cast<int64_t>(ns.size());
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  // Nearest rank: the smallest value with at least q of all values at or below it.
  auto at = [&](double q) {
    const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[std::clamp<size_t>(rank, 1, ns.size()) - 1]) / 1e6;
  };
  p.p50_ms = at(0.5);
  p.p99_ms = at(0.99);
  p.p999_ms = at(0.999);
  return p;
}

PhaseResult Tally(const std::vector<SenderLog>& logs, const Window& window) {
  PhaseResult result;
  std::vector<int64_t> latencies;
  for (const SenderLog& log : logs) {
    for (const Call& call : log.calls) {
      if (!window.Contains(call.end)) continue;
      if (call.code == grpc::StatusCode::OK) {
        latencies.push_back(call.end - call.start);
      } else {
        ++result.errors[GrpcCodeName(call.code)];
      }
    }
  }
  result.rate = static_cast<double>(latencies.size()) / window.seconds();
  result.latency = Summarize(std::move(latencies));
  return result;
}

absl::StatusOr<PhaseRun> RunPhase(const PhaseSpec& spec, const Progress& progress,
                                  std::ostream& err) {
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t start = NowNs();
  PhaseRun run;
  run.window.begin = start + absl::ToInt64Nanoseconds(spec.warmup);
  run.window.end = run.window.begin + absl::ToInt64Nanoseconds(spec.duration);
  run.logs.resize(spec.threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  threads.reserve(spec.threads);
  for (int i = 0; i < spec.threads; ++i) {
    threads.emplace_back([&, i] { spec.work(i, stop, run.logs[i]); });
  }

  absl::Status status;
  bool measuring = false;
  int64_t next_tick = start + kSecond;
  int64_t last_ok = 0;
  int64_t last_failed = 0;
  while (status.ok()) {
    SleepUntilNs(std::min(next_tick, measuring ? run.window.end : run.window.begin));
    const int64_t now = NowNs();
    if (!measuring && now >= run.window.begin) {
      measuring = true;
      status = spec.at_window_begin();
    }
    if (now >= next_tick) {
      const int64_t ok = progress.ok.load();
      const int64_t failed = progress.failed.load();
      err << absl::StrFormat("%-4s %3ds %-7s %8d ok/s %6d errors/s%s\n", spec.name,
                             (next_tick - start) / kSecond, measuring ? "" : "warm-up",
                             ok - last_ok, failed - last_failed, spec.extra_progress());
      last_ok = ok;
      last_failed = failed;
      next_tick += kSecond;
    }
    if (now >= run.window.end) {
      if (status.ok()) status = spec.at_window_end();
      break;
    }
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  RETURN_IF_ERROR(status);
  return run;
}

}  // namespace throughcare::client::bench
