// crash_harness: MessagingService's at-least-once delivery across broker crashes.
//
// Starts `throughcared --dev` as a child process and keeps concurrent senders (a CARAT worker at
// HMP Northgate sending drug intervention records to the CJIT, each send retried with its
// idempotency key until it is answered OK) and one subscriber (a CJIT worker acking every
// delivery) running, while it kills the broker with SIGKILL at random moments and restarts it.
// After the last cycle it lets the subscriber drain and checks what the clients saw:
//   a. every acknowledged send was delivered at least once            (else LOST)
//   b. every delivered message is one that Send returned              (else PHANTOM)
//   c. duplicates are only redeliveries of unacked messages           (else DUPLICATE)
//   d. the audit chain verifies (`throughcare audit verify`)          (else AUDIT)
// and that an idempotency key sent again returns the original message (else KEY).
// With --replicas N --postgres-state DIR, N replicas share one PostgreSQL database (a database of
// the run's own on the server tests/storage/postgres_server.sh started in DIR): senders spread
// over the replicas, two subscribers on others, and each cycle kills one replica at random.
// With --non-durable the broker answers writes before they are on disk, and --expect-loss passes
// only if check a reports the loss: the proof that the harness can see loss.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "tests/crash/harness.h"

int main(int argc, char** argv) {
  using throughcare::crash::kExitSetup;
  CLI::App app{
      "crash_harness: checks MessagingService's at-least-once delivery across broker crashes.\n"
      "Runs throughcared --dev as a child process with concurrent senders (CARAT at\n"
      "hmp-northgate sending to cjit-east, each send retried with its idempotency key until\n"
      "answered OK) and one Subscribe stream (cjit-east, acking every delivery), and kills the\n"
      "broker with SIGKILL at random moments, restarting it each time. Then it checks that\n"
      "  a. every acknowledged send was delivered at least once            (LOST)\n"
      "  b. every delivered message is one that Send returned              (PHANTOM)\n"
      "  c. duplicates are only redeliveries of unacked messages           (DUPLICATE)\n"
      "  d. the audit chain verifies (throughcare audit verify)            (AUDIT)\n"
      "  and that a key sent again is answered with the original message (KEY)."};
  throughcare::crash::Options options;
  options.seed = std::random_device()();
  std::string work_dir;
  app.add_option("--daemon", options.daemon, "Path of throughcared")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--cli", options.cli, "Path of the throughcare CLI (for audit verify)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--cycles", options.cycles, "Kill-and-restart cycles")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--senders", options.senders, "Concurrent sender threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--work-dir", work_dir,
                 "Directory for the broker's data and log (kept); default: a new temporary "
                 "directory, removed when the run passes");
  app.add_flag("--non-durable", options.non_durable,
               "Run the broker with --unsafe-non-durable-for-tests (answers before commits are on "
               "disk, so crashes lose acknowledged sends)");
  app.add_flag("--expect-loss", options.expect_loss,
               "Invert the verdict: pass only if check a finds acknowledged sends that were never "
               "delivered (use with --non-durable)");
  app.add_option("--replicas", options.replicas,
                 "Broker replicas sharing one PostgreSQL database (needs --postgres-state)")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  app.add_option("--postgres-state", options.postgres_state,
                 "State folder of a PostgreSQL server started by tests/storage/postgres_server.sh "
                 "start DIR; the run makes a database of its own on it")
      ->check(CLI::ExistingDirectory);
  app.add_option("--seed", options.seed, "Seed of the random kill moments (default: random)");
  app.footer(
      "Exit codes: 0 every check holds (with --expect-loss: loss was detected); 1 a check failed\n"
      "(or, with --expect-loss, no loss was seen); 2 bad usage or setup failed.\n"
      "Example:\n"
      "  crash_harness --daemon build/services/server/throughcared --cli build/client/throughcare "
      "\\\n      --cycles 200 --seed 7");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitSetup;
  }

  if (options.replicas > 1 && options.postgres_state.empty()) {
    std::cerr << "crash_harness: --replicas above 1 needs --postgres-state (SQLite is one "
                 "process's)\n";
    return kExitSetup;
  }
  const bool temporary = work_dir.empty();
  if (temporary) {
    std::string pattern = (std::filesystem::temp_directory_path() / "tc-crash-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "crash_harness: cannot create a temporary directory\n";
      return kExitSetup;
    }
    work_dir = pattern;
  }
  std::error_code ec;
  options.work_dir = std::filesystem::absolute(work_dir, ec).string();
  options.daemon = std::filesystem::absolute(options.daemon, ec).string();
  options.cli = std::filesystem::absolute(options.cli, ec).string();
  if (!temporary && std::filesystem::exists(options.work_dir + "/broker")) {
    std::cerr << "crash_harness: " << options.work_dir
              << "/broker exists; give a new or empty --work-dir\n";
    return kExitSetup;
  }
  std::filesystem::create_directories(options.work_dir, ec);

  const int code = throughcare::crash::Harness(options).Run();
  if (temporary && code == 0) {
    std::filesystem::remove_all(options.work_dir, ec);
  } else {
    std::cout << "kept " << options.work_dir << std::endl;
  }
  return code;
}
