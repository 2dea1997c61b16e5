// `throughcare bench`: drives a broker with concurrent durable sends and one subscriber, and
// compares the send rate with a raw gRPC echo baseline (DiagnosticsService.Echo) over the same
// TLS channels with the same payload size.
//
// A benchmark, not a test: it prints what it measured and whether the goal was met, and fails
// only if it cannot run. It writes to the broker (a synthetic person, a consent and one message
// per send), so point it at a development broker only.
#ifndef THROUGHCARE_CLIENT_BENCH_H_
#define THROUGHCARE_CLIENT_BENCH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/commands/session.h"
#include "client/connection.h"

namespace throughcare::client {

struct BenchArgs {
  // Only dev_dir (required) and server are used: each practitioner below gets its agency's
  // profile from the dev directory and a token minted once for the whole run.
  SettingInputs connection;
  int senders = 64;
  // TLS connections the senders share round robin (at most one per sender). A few are cheaper
  // per call than one per sender, on both sides, and were the fastest on the 2-core machine.
  int channels = 8;
  absl::Duration duration = absl::Seconds(10);  // measured, per phase
  absl::Duration warmup = absl::Seconds(2);     // run before each phase's measurement
  int record_bytes = 1024;                      // serialized size of each record's body
  std::string sender_agency = "hmp-northgate";
  std::string sender_role = "carat_worker";
  // Registers the synthetic person and records custody, in the sender's agency.
  std::string register_role = "prison_reception";
  std::string recipient_agency = "cjit-east";
  std::string recipient_role = "cjit_worker";
};

// Sets up a synthetic person (registered with a random NOMS number, in custody of the sender's
// agency, consenting to drugs data going to the recipient for direct care), then runs two
// phases with `senders` threads: Echo calls, then Sends of an inline drug interventions record
// while one thread takes the deliveries by Subscribe and acks them. Progress goes to
// session.err() once a second; the result (a table, or JSON with --json) to session.out().
absl::Status Bench(Session& session, const BenchArgs& args);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_BENCH_H_
