// What `throughcare bench` prints: the result of a run as a table for people or as JSON, and
// whether the goal was met.
#ifndef THROUGHCARE_CLIENT_BENCH_REPORT_H_
#define THROUGHCARE_CLIENT_BENCH_REPORT_H_

#include <cstdint>
#include <map>
#include <string>

#include "client/bench.h"
#include "client/bench_measure.h"

namespace throughcare::client::bench {

// The goal on the 2-core development machine, at 64 senders with 1 KiB records: durable sends
// reach this fraction of the echo rate ...
constexpr double kGoalSendEchoRatio = 0.3;
// ... with at least this many messages accepted per durable commit.
constexpr double kGoalMessagesPerCommit = 10;

struct BenchResult {
  std::string run_id;
  int channels = 0;
  int record_bytes = 0;  // as built, see RecordBodyOfSize
  PhaseResult echo;
  PhaseResult send;
  Percentiles delivery;
  int64_t not_delivered = 0;  // sent in the window, not arrived by the end of the drain
  std::map<std::string, int64_t> ack_errors;
  double messages_per_commit = 0;
  double transactions_per_commit = 0;
  double commits_per_second = 0;

  double ratio() const { return echo.rate > 0 ? send.rate / echo.rate : 0; }
  bool goal_met() const {
    return ratio() >= kGoalSendEchoRatio && messages_per_commit >= kGoalMessagesPerCommit;
  }
};

std::string RenderJson(const BenchArgs& args, const BenchResult& r);
std::string RenderText(const BenchArgs& args, const BenchResult& r);

}  // namespace throughcare::client::bench

#endif  // THROUGHCARE_CLIENT_BENCH_REPORT_H_
