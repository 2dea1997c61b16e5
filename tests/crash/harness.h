// The crash harness's run (see crash_harness.cc for what it checks): a broker started as a
// child process, concurrent senders and a subscriber, SIGKILLs at random moments, the drain and
// the checks.
#ifndef THROUGHCARE_TESTS_CRASH_HARNESS_H_
#define THROUGHCARE_TESTS_CRASH_HARNESS_H_

#include <grpcpp/client_context.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "tests/crash/broker_process.h"
#include "tests/crash/harness_clients.h"
#include "tests/crash/harness_report.h"
#include "tests/crash/ledger.h"
#include "throughcare/v1/messaging.grpc.pb.h"

namespace throughcare::crash {

// Exit codes: every check holds; a check failed; bad usage or setup failed.
inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitSetup = 2;

// What the command line chose (see main in crash_harness.cc).
struct Options {
  int cycles = 50;
  int senders = 8;
  std::string daemon;
  std::string cli;
  std::string work_dir;
  bool non_durable = false;
  bool expect_loss = false;
  uint64_t seed = 0;
  // Several replicas share one PostgreSQL database: the state folder of a server started by
  // tests/storage/postgres_server.sh, on which the run makes a database of its own. Empty: one
  // broker on SQLite.
  int replicas = 1;
  std::string postgres_state;
};

// One run: setup, the crash cycles with senders and a subscriber running, the drain, the checks.
class Harness final {
 public:
  explicit Harness(Options options) : options_(std::move(options)), rng_(options_.seed) {}

  int Run();

 private:
  absl::Status Prepare();
  absl::Status OpenClients();
  absl::Status StopBrokers();
  absl::Status StartBroker(int replica);
  absl::Status AwaitServing(int replica);
  absl::Status Reconfigure();

  void SendLoop(int sender);
  bool SendUntilAcknowledged(v1::MessagingService::Stub& stub, const std::string& key);
  void SubscribeLoop(int subscriber);
  void Subscribe(v1::MessagingService::Stub& stub, const Client& cjit);
  void StopSubscribers();

  absl::Status RunCycles();
  absl::Status Drain();
  void Probe(const std::vector<std::string>& ids);
  std::string Describe(const std::string& message_id);
  std::string BrokerViewCounts();
  absl::Status VerifyAuditChain();
  int Verdict(const Findings& f, const absl::Status& drained, const absl::Status& audit);

  const Options options_;
  std::mt19937_64 rng_;
  std::string data_dir_;
  std::string postgres_dsn_;  // with replicas on PostgreSQL
  // Per replica: its process, its port, and a CARAT and a CJIT client connected to it.
  std::vector<std::unique_ptr<BrokerProcess>> brokers_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<Client>> carats_;
  std::vector<std::unique_ptr<Client>> cjits_;
  std::string subject_id_;
  Ledger ledger_;
  CodeCounts send_errors_;
  CodeCounts stream_ends_;

  std::atomic<bool> stop_sending_{false};
  std::atomic<bool> give_up_{false};  // the broker is gone for good: stop retrying
  absl::Mutex refused_mu_;
  std::vector<std::string> refused_ ABSL_GUARDED_BY(refused_mu_);  // sends refused for good

  absl::Mutex subscriber_mu_;
  bool stop_subscribers_ ABSL_GUARDED_BY(subscriber_mu_) = false;
  absl::flat_hash_set<grpc::ClientContext*> streams_ ABSL_GUARDED_BY(subscriber_mu_);

  // What the broker said about messages the subscriber could not settle, and those of them
  // whose delivery is over (acknowledged, dead-lettered, ..., or unknown to the broker).
  absl::Mutex probe_mu_;
  absl::flat_hash_map<std::string, BrokerView> broker_views_ ABSL_GUARDED_BY(probe_mu_);
  absl::flat_hash_set<std::string> over_ ABSL_GUARDED_BY(probe_mu_);
};

}  // namespace throughcare::crash

#endif  // THROUGHCARE_TESTS_CRASH_HARNESS_H_
