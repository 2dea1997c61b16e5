// `throughcare bench`: broker throughput against an echo baseline (the engine is client/bench.cc).
#include <string>

#include "client/bench.h"
#include "client/commands/commands.h"

namespace throughcare::client {
namespace {

// The flags of `throughcare bench` (the connection comes from the global options).
struct BenchFlags {
  BenchArgs args;
  std::string duration = "10s";
  std::string warmup = "2s";
};

void AddBenchFlags(CLI::App& bench, BenchFlags& f) {
  BenchArgs& args = f.args;
  bench.add_option("--senders", args.senders, "concurrent senders (threads)")
      ->type_name("N")
      ->capture_default_str()
      ->check(AtLeastOne());
  bench
      .add_option("--channels", args.channels,
                  "TLS connections the senders share round robin (--senders N: one each)")
      ->type_name("N")
      ->capture_default_str()
      ->check(AtLeastOne());
  bench.add_option("--duration", f.duration, "measured time of each phase")
      ->type_name("DURATION")
      ->capture_default_str();
  bench.add_option("--warmup", f.warmup, "unmeasured time before each phase's measurement")
      ->type_name("DURATION")
      ->capture_default_str();
  bench
      .add_option("--record-bytes", args.record_bytes,
                  "size of each record's body, and of each echo payload")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  bench.add_option("--sender-agency", args.sender_agency, "the sending agency")
      ->type_name("ID")
      ->capture_default_str();
  bench.add_option("--sender-role", args.sender_role, "the senders' role")
      ->type_name("ROLE")
      ->capture_default_str();
  bench
      .add_option("--register-role", args.register_role,
                  "the sender agency's role that registers the person and records custody")
      ->type_name("ROLE")
      ->capture_default_str();
  bench.add_option("--recipient-agency", args.recipient_agency, "the receiving agency")
      ->type_name("ID")
      ->capture_default_str();
  bench.add_option("--recipient-role", args.recipient_role, "the subscriber's role")
      ->type_name("ROLE")
      ->capture_default_str();
}

}  // namespace

void RegisterBenchCommand(CLI::App& app, CommandContext& ctx) {
  BenchFlags& f = ctx.Keep<BenchFlags>();
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure durable send throughput and delivery latency against an echo baseline");
  AddBenchFlags(*bench, f);
  bench->footer(Footer(
      "throughcare --dev-dir .run/dev bench --senders 64 --duration 10s",
      "Needs --dev-dir (each practitioner's agency profile; --server overrides its address).\n"
      "Writes a synthetic person, a consent and one message per send: use a development\n"
      "broker with the send rate limit lifted (deploy/bench.sh starts one). Phase 1 calls\n"
      "DiagnosticsService.Echo, phase 2 sends inline drug interventions records to the\n"
      "recipient while one subscriber acks them; each prints progress on stderr, then the\n"
      "rates, latencies, send/echo ratio and messages per commit (goal: >= 0.3 and >= 10 at\n"
      "64 senders with 1024-byte records). Exits 0 whether the goal is met or not."));
  ctx.OnRun(bench, [&f](Session& s) -> absl::Status {
    f.args.connection = s.setting_inputs();
    ASSIGN_OR_RETURN(f.args.duration, ParseDurationFlag("--duration", f.duration));
    ASSIGN_OR_RETURN(f.args.warmup, ParseDurationFlag("--warmup", f.warmup));
    return Bench(s, f.args);
  });
}

}  // namespace throughcare::client
