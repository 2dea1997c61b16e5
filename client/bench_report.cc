#include "client/bench_report.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace throughcare::client::bench {
namespace {

std::string ErrorList(const std::map<std::string, int64_t>& errors) {
  std::string out;
  for (const auto& [code, n] : errors) absl::StrAppend(&out, out.empty() ? "" : ", ", code, " ", n);
  return out;
}

nlohmann::ordered_json PercentilesJson(const Percentiles& p) {
  return {{"count", p.count}, {"p50", p.p50_ms}, {"p99", p.p99_ms}, {"p99_9", p.p999_ms}};
}

}  // namespace

std::string RenderJson(const BenchArgs& args, const BenchResult& r) {
  nlohmann::ordered_json j = {
      {"run_id", r.run_id},
      {"senders", args.senders},
      {"channels", r.channels},
      {"record_bytes", r.record_bytes},
      {"warmup_seconds", absl::ToDoubleSeconds(args.warmup)},
      {"duration_seconds", absl::ToDoubleSeconds(args.duration)},
      {"echo",
       {{"calls_per_second", r.echo.rate},
        {"latency_ms", PercentilesJson(r.echo.latency)},
        {"errors", r.echo.errors}}},
      {"send",
       {{"sends_per_second", r.send.rate},
        {"latency_ms", PercentilesJson(r.send.latency)},
        {"errors", r.send.errors}}},
      {"delivery",
       {{"latency_ms", PercentilesJson(r.delivery)},
        {"not_delivered", r.not_delivered},
        {"ack_errors", r.ack_errors}}},
      {"storage",
       {{"messages_per_commit", r.messages_per_commit},
        {"transactions_per_commit", r.transactions_per_commit},
        {"commits_per_second", r.commits_per_second}}},
      {"send_echo_ratio", r.ratio()},
      {"goal",
       {{"send_echo_ratio", kGoalSendEchoRatio},
        {"messages_per_commit", kGoalMessagesPerCommit},
        {"met", r.goal_met()}}},
  };
  return j.dump(2) + "\n";
}

std::string RenderText(const BenchArgs& args, const BenchResult& r) {
  auto row = [](const std::string& name, const std::string& rate, const Percentiles& p,
                const std::string& errors) {
    return absl::StrFormat("%-18s %10s %9.2f %9.2f %9.2f  %s\n", name, rate, p.p50_ms, p.p99_ms,
                           p.p999_ms, errors);
  };
  auto errors = [](const std::map<std::string, int64_t>& e) {
    return e.empty() ? std::string("0") : ErrorList(e);
  };
  auto verdict = [](bool met) { return met ? "met" : "NOT met"; };
  std::string out = absl::StrFormat(
      "throughcare bench %s: %d senders on %d TLS channels, %d-byte records,\n"
      "%s measured per phase after %s of warm-up\n\n",
      r.run_id, args.senders, r.channels, r.record_bytes, absl::FormatDuration(args.duration),
      absl::FormatDuration(args.warmup));
  absl::StrAppend(&out, absl::StrFormat("%-18s %10s %9s %9s %9s  %s\n", "", "per second", "p50 ms",
                                        "p99 ms", "p99.9 ms", "errors"));
  absl::StrAppend(&out, row("echo (baseline)", absl::StrFormat("%.0f", r.echo.rate), r.echo.latency,
                            errors(r.echo.errors)));
  absl::StrAppend(&out, row("durable send", absl::StrFormat("%.0f", r.send.rate), r.send.latency,
                            errors(r.send.errors)));
  absl::StrAppend(
      &out, row("send to delivery", "", r.delivery,
                absl::StrCat(r.not_delivered, " not delivered",
                             r.ack_errors.empty() ? "" : "; acks: ", ErrorList(r.ack_errors))));
  absl::StrAppend(&out, "\n",
                  absl::StrFormat("send / echo          %6.3f   goal >= %.1f: %s\n", r.ratio(),
                                  kGoalSendEchoRatio, verdict(r.ratio() >= kGoalSendEchoRatio)),
                  absl::StrFormat("messages per commit  %6.1f   goal >= %.0f: %s\n",
                                  r.messages_per_commit, kGoalMessagesPerCommit,
                                  verdict(r.messages_per_commit >= kGoalMessagesPerCommit)),
                  absl::StrFormat("storage: %.0f commits/s, %.1f write transactions per commit\n",
                                  r.commits_per_second, r.transactions_per_commit));
  if (args.senders != 64 || r.record_bytes != 1024) {
    absl::StrAppend(&out, "(the goal is set for 64 senders and 1024-byte records)\n");
  }
  return out;
}

}  // namespace throughcare::client::bench
