#include "tests/crash/harness.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/grpc_status.h"
#include "client/retry.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/core/files.h"
#include "tests/storage/postgres_test_server.h"
#include "throughcare/status_macros.h"

namespace throughcare::crash {
namespace {

// Pause before a failed call is tried again (the broker may be down).
constexpr absl::Duration kRetryPause = absl::Milliseconds(50);
// The subscriber's flow-control credit and lease. A short lease makes the deliveries in flight
// at a kill come back soon after the restart.
constexpr uint32_t kCredit = 50;
constexpr absl::Duration kLease = absl::Seconds(2);
// How long a (re)started broker may take to serve.
constexpr absl::Duration kServeTimeout = absl::Seconds(30);
// The broker's up time before each kill is drawn uniformly from this range.
constexpr double kMinUpSeconds = 0.2;
constexpr double kMaxUpSeconds = 1.0;
// Every this many keys, a sender sends the key once more after it was acknowledged: the replay
// must return the original message.
constexpr int kReplayEvery = 10;
// When the subscriber has seen nothing for this long, whatever it has not settled will not come
// by itself (a lease left over from a crash expires within kLease and is redelivered at the
// broker's next 100 ms tick), so the drain asks the broker about the rest.
constexpr absl::Duration kQuiet = absl::Seconds(3);
constexpr absl::Duration kDrainTimeout = absl::Seconds(30);
constexpr int kProbeThreads = 16;

void Say(const std::string& line) { std::cout << line << std::endl; }

}  // namespace

// Starts one broker to create the development environment, stops it, points the config at
// PostgreSQL (with replicas) and lifts the send rate limit, starts every replica, then sets up
// the person and the consent.
absl::Status Harness::Prepare() {
  std::error_code ec;
  if (!std::filesystem::create_directories(data_dir_, ec)) {
    return absl::InternalError(absl::StrCat("cannot create ", data_dir_, ": ", ec.message()));
  }
  for (int i = 0; i < options_.replicas; ++i) {
    ASSIGN_OR_RETURN(const int port, FreeListenPort());
    ports_.push_back(port);
    // Metrics on a free port: the development default, 9464, may be taken by another broker.
    std::vector<std::string> argv = {options_.daemon,    "--dev",
                                     "--data-dir",       data_dir_,
                                     "--listen",         absl::StrCat("127.0.0.1:", port),
                                     "--metrics-listen", "127.0.0.1:0"};
    if (options_.non_durable) argv.push_back("--unsafe-non-durable-for-tests");
    const std::string log =
        options_.replicas == 1 ? "throughcared.log" : absl::StrCat("throughcared-", i, ".log");
    brokers_.push_back(std::make_unique<BrokerProcess>(std::move(argv), data_dir_ + "/" + log));
  }
  RETURN_IF_ERROR(brokers_[0]->Start());
  // The configuration is written last, after the profiles the clients read.
  const std::string config = data_dir_ + "/throughcared.yaml";
  const absl::Time deadline = absl::Now() + kServeTimeout;
  while (!std::filesystem::exists(config)) {
    RETURN_IF_ERROR(brokers_[0]->CheckRunning());
    if (absl::Now() > deadline) return absl::DeadlineExceededError("no development environment");
    absl::SleepFor(absl::Milliseconds(20));
  }
  RETURN_IF_ERROR(OpenClients());
  RETURN_IF_ERROR(AwaitServing(0));
  RETURN_IF_ERROR(StopBrokers());
  RETURN_IF_ERROR(Reconfigure());
  RETURN_IF_ERROR(OpenClients());
  for (int i = 0; i < options_.replicas; ++i) RETURN_IF_ERROR(StartBroker(i));
  ASSIGN_OR_RETURN(std::unique_ptr<Client> reception, Client::Open(data_dir_, kReception));
  ASSIGN_OR_RETURN(subject_id_, RegisterPersonInCustody(*reception));
  return RecordConsentToCjit(*carats_[0], subject_id_);
}

// A CARAT and a CJIT client per replica.
absl::Status Harness::OpenClients() {
  carats_.clear();
  cjits_.clear();
  for (int port : ports_) {
    const std::string server = absl::StrCat("127.0.0.1:", port);
    ASSIGN_OR_RETURN(carats_.emplace_back(), Client::Open(data_dir_, kCarat, server));
    ASSIGN_OR_RETURN(cjits_.emplace_back(), Client::Open(data_dir_, kCjit, server));
  }
  return absl::OkStatus();
}

// SIGTERM to every replica running, once the clients' channels are closed: an idle channel
// never reads the broker's GOAWAY, so its connection would hold up the broker's shutdown for
// the whole grace period.
absl::Status Harness::StopBrokers() {
  carats_.clear();
  cjits_.clear();
  for (std::unique_ptr<BrokerProcess>& broker : brokers_) {
    if (!broker->CheckRunning().ok()) continue;
    const absl::Time start = absl::Now();
    RETURN_IF_ERROR(broker->Stop(absl::Seconds(20)));
    Say(absl::StrFormat("broker stopped by SIGTERM in %.2f s",
                        absl::ToDoubleSeconds(absl::Now() - start)));
  }
  return absl::OkStatus();
}

// The config written by `--dev` is kept from then on, so what is changed in it applies from the
// next start: the default send rate limit (200 a second per agency) would throttle the senders,
// and replicas keep their data in a PostgreSQL database of the run's own.
absl::Status Harness::Reconfigure() {
  const std::string path = data_dir_ + "/throughcared.yaml";
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  if (!options_.postgres_state.empty()) {
    RETURN_IF_ERROR(testing::UsePostgresServerIn(options_.postgres_state));
    ASSIGN_OR_RETURN(postgres_dsn_, testing::PostgresDatabaseFor(options_.work_dir));
    constexpr absl::string_view kSqlite = "storage:\n  sqlite_path: data/throughcare.db\n";
    if (!absl::StrContains(text, kSqlite)) {
      return absl::FailedPreconditionError("the development config has no sqlite_path to replace");
    }
    absl::StrReplaceAll({{kSqlite, absl::StrCat("storage:\n  postgres:\n    dsn: \"",
                                                postgres_dsn_, "\"\n")}},
                        &text);
  }
  absl::StrAppend(&text,
                  "# Added by the crash harness: no send rate limit to speak of.\n"
                  "messaging:\n"
                  "  send_rate_per_second: 1000000\n"
                  "  send_burst: 1000000\n");
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  return out ? absl::OkStatus() : absl::InternalError("cannot write throughcared.yaml");
}

absl::Status Harness::StartBroker(int replica) {
  RETURN_IF_ERROR(brokers_[replica]->Start());
  return AwaitServing(replica);
}

// Health checks until the replica answers SERVING; fails at once if it exits.
absl::Status Harness::AwaitServing(int replica) {
  BrokerProcess& broker = *brokers_[replica];
  auto health = grpc::health::v1::Health::NewStub(carats_[replica]->channel());
  const absl::Time deadline = absl::Now() + kServeTimeout;
  while (true) {
    RETURN_IF_ERROR(broker.CheckRunning());
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status s = health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &response);
    if (s.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "replica ", replica, " did not serve within ", absl::FormatDuration(kServeTimeout),
          " of start ", broker.starts(), " (last health check: ", s.error_message(), ")"));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

// ---- Senders ----

// Sender n sends to replica n modulo the replicas.
void Harness::SendLoop(int sender) {
  const Client& carat = *carats_[sender % options_.replicas];
  auto stub = v1::MessagingService::NewStub(carat.channel());
  for (int64_t n = 1; !stop_sending_; ++n) {
    const std::string key = absl::StrCat("s", sender, "-", n);
    if (!SendUntilAcknowledged(*stub, key)) return;
    if (n % kReplayEvery == 0 && !SendUntilAcknowledged(*stub, key)) return;
  }
}

// Sends the message for `key` until it is answered OK, always with the same key: a send that was
// accepted just before a crash is then answered with the original message, not sent twice.
// False if it was refused for good or the harness gave up.
bool Harness::SendUntilAcknowledged(v1::MessagingService::Stub& stub, const std::string& key) {
  const v1::SendRequest request = MessageFor(subject_id_, key);
  client::RetryOptions retry;
  retry.pause = kRetryPause;
  retry.stop = [this] { return give_up_.load(); };
  const absl::Status sent = client::Retry(retry, [&] {
    v1::SendResponse response;
    const grpc::Status s = stub.Send(carats_[0]->Context().get(), request, &response);
    if (s.ok()) {
      ledger_.SendAcknowledged(key, response.message_id(), response.duplicate());
    } else {
      send_errors_.Add(s.error_code());
    }
    return client::FromGrpcStatus(s);
  });
  if (sent.ok()) return true;
  if (!client::IsRetryable(sent.code())) {
    absl::MutexLock lock(&refused_mu_);
    refused_.push_back(absl::StrCat("key ", key, ": ", sent.ToString()));
  }
  return false;
}

// ---- Subscriber ----

// Subscriber k starts on replica k + 1 and moves to the next replica with each new stream, so
// that with replicas its deliveries are of messages sent through the others.
void Harness::SubscribeLoop(int subscriber) {
  for (int round = 0;; ++round) {
    {
      absl::MutexLock lock(&subscriber_mu_);
      if (stop_subscribers_) return;
    }
    const Client& cjit = *cjits_[(subscriber + 1 + round) % options_.replicas];
    auto stub = v1::MessagingService::NewStub(cjit.channel());
    Subscribe(*stub, cjit);
    absl::SleepFor(kRetryPause);
  }
}

// One Subscribe stream, until it breaks: records each delivery and acks it at once; records
// each settlement result.
void Harness::Subscribe(v1::MessagingService::Stub& stub, const Client& cjit) {
  std::unique_ptr<grpc::ClientContext> ctx = cjit.Context(absl::InfiniteDuration());
  {
    absl::MutexLock lock(&subscriber_mu_);
    if (stop_subscribers_) return;
    streams_.insert(ctx.get());
  }
  auto stream = stub.Subscribe(ctx.get());
  v1::SubscribeRequest first;
  first.set_credit(kCredit);
  first.mutable_lease()->set_seconds(absl::ToInt64Seconds(kLease));
  v1::SubscribeResponse response;
  if (stream->Write(first)) {
    while (stream->Read(&response)) {
      if (response.has_delivery()) {
        const v1::Delivery& d = response.delivery();
        ledger_.Delivered(d.message_id(), d.attempt(), d.lease_id());
        v1::SubscribeRequest ack;
        ack.mutable_settle()->set_lease_id(d.lease_id());
        ack.mutable_settle()->mutable_ack();
        stream->Write(ack);  // a failed write ends the stream, and so the next Read
      } else if (response.has_settled()) {
        const v1::SettlementResult& r = response.settled();
        if (r.error_code().empty() && r.state() == v1::DELIVERY_STATE_ACKNOWLEDGED) {
          ledger_.AckConfirmed(r.message_id());
        } else {
          ledger_.AckRefused();
        }
      }
    }
  }
  stream_ends_.Add(stream->Finish().error_code());
  absl::MutexLock lock(&subscriber_mu_);
  streams_.erase(ctx.get());
}

void Harness::StopSubscribers() {
  absl::MutexLock lock(&subscriber_mu_);
  stop_subscribers_ = true;
  for (grpc::ClientContext* stream : streams_) stream->TryCancel();
}

// ---- Crashes ----

// Each cycle kills one replica (drawn at random) and restarts it; the others keep serving.
absl::Status Harness::RunCycles() {
  std::uniform_real_distribution<double> up_seconds(kMinUpSeconds, kMaxUpSeconds);
  std::uniform_int_distribution<int> replica(0, options_.replicas - 1);
  for (int cycle = 1; cycle <= options_.cycles; ++cycle) {
    const absl::Time serving = absl::Now();
    absl::SleepFor(absl::Seconds(up_seconds(rng_)));
    for (const std::unique_ptr<BrokerProcess>& broker : brokers_) {
      RETURN_IF_ERROR(broker->CheckRunning());  // none may have died by itself
    }
    const int victim = replica(rng_);
    RETURN_IF_ERROR(brokers_[victim]->Kill());
    const absl::Time killed = absl::Now();
    RETURN_IF_ERROR(StartBroker(victim));
    const Tally t = ledger_.tally();
    Say(absl::StrFormat(
        "cycle %d/%d: killed %s after %.2f s; %d sends acknowledged, %d delivered (serving "
        "again %.2f s after the kill)",
        cycle, options_.cycles,
        options_.replicas == 1 ? "the broker" : absl::StrCat("replica ", victim),
        absl::ToDoubleSeconds(killed - serving), t.sends_acknowledged, t.delivered,
        absl::ToDoubleSeconds(absl::Now() - killed)));
  }
  return absl::OkStatus();
}

// ---- Drain ----

// With the broker up and the senders stopped, waits until every acknowledged message has been
// delivered and its ack confirmed. Some never will be, and the broker says why: an ack applied
// just before a crash whose result was lost with the stream (ACKNOWLEDGED), or a message the
// broker does not know (lost). Those are asked about once the subscriber has gone quiet.
absl::Status Harness::Drain() {
  const absl::Time deadline = absl::Now() + kDrainTimeout;
  while (true) {
    std::vector<std::string> open;
    {
      absl::MutexLock lock(&probe_mu_);
      open = ledger_.Unconfirmed(over_);
    }
    if (open.empty()) return absl::OkStatus();
    if (absl::Now() > deadline) {
      Probe(open);
      std::vector<std::string> described;
      for (size_t i = 0; i < open.size() && i < kListAtMost; ++i) {
        described.push_back(Describe(open[i]));
      }
      return absl::DeadlineExceededError(absl::StrCat(
          open.size(), " acknowledged messages still unsettled ",
          absl::FormatDuration(kDrainTimeout), " into the drain: ", ListSome(described)));
    }
    if (absl::Now() - ledger_.last_subscriber_event() >= kQuiet) {
      Probe(open);
      absl::SleepFor(absl::Milliseconds(500));
    } else {
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
}

// Asks the broker about each message, in parallel.
void Harness::Probe(const std::vector<std::string>& ids) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kProbeThreads; ++t) {
    threads.emplace_back([&] {
      auto stub = v1::MessagingService::NewStub(carats_[0]->channel());
      for (size_t i = next++; i < ids.size(); i = next++) {
        BrokerView view = AskBroker(*carats_[0], *stub, ids[i]);
        absl::MutexLock lock(&probe_mu_);
        if (!view.open()) over_.insert(ids[i]);
        broker_views_[ids[i]] = std::move(view);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

// "msg_... (key s3-41; broker: UNKNOWN, no such message)".
std::string Harness::Describe(const std::string& message_id) {
  absl::MutexLock lock(&probe_mu_);
  auto it = broker_views_.find(message_id);
  return absl::StrCat(message_id, " (key ", ledger_.KeyOf(message_id), "; broker: ",
                      it == broker_views_.end()
                          ? "not asked"
                          : absl::StrCat(it->second.state, ", ", it->second.detail),
                      ")");
}

// The final states of the messages asked about: "ACKNOWLEDGED x3, UNKNOWN x1".
std::string Harness::BrokerViewCounts() {
  absl::MutexLock lock(&probe_mu_);
  std::map<std::string, int> counts;
  for (const std::string& id : over_) ++counts[broker_views_.at(id).state];
  if (counts.empty()) return "none";
  return absl::StrJoin(counts, ", ", absl::PairFormatter(" x"));
}

// ---- Checks ----

absl::Status Harness::VerifyAuditChain() {
  const std::string output = data_dir_ + "/audit-verify.log";
  ASSIGN_OR_RETURN(const int code,
                   RunCommand({options_.cli, "--dev-dir", data_dir_, "--agency", kAuditor.agency,
                               "--user", kAuditor.user, "--role", kAuditor.role, "--purpose",
                               kAuditor.purpose, "audit", "verify"},
                              output));
  std::ifstream in(output);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!absl::StartsWith(line, "verified ")) lines.push_back(line);  // progress
  }
  const std::string said = absl::StrJoin(lines, "; ");
  if (code != 0) {
    return absl::DataLossError(
        absl::StrCat("`throughcare audit verify` exited with ", code, ": ", said));
  }
  Say(absl::StrCat("audit verify: ", said));
  return absl::OkStatus();
}

// Prints the numbers and each failed check; returns the exit code.
int Harness::Verdict(const Findings& f, const absl::Status& drained, const absl::Status& audit) {
  const Tally t = ledger_.tally();
  Say(absl::StrFormat(
      "sends acknowledged: %d (%d of them answered only on a retry, as duplicates; plus %d "
      "replays of acknowledged keys); messages delivered: %d in %d deliveries (%d redeliveries, "
      "highest attempt %d); acks confirmed: %d, refused: %d",
      t.sends_acknowledged, t.answered_on_retry, t.replays, t.delivered, t.deliveries,
      t.deliveries - t.delivered, t.max_attempt, t.acks_confirmed, t.acks_refused));
  Say(absl::StrCat("send errors (retried): ", send_errors_.ToString()));
  Say(absl::StrCat("subscribe streams ended: ", stream_ends_.ToString()));
  Say(absl::StrCat("messages without a confirmed ack, by their final state at the broker: ",
                   BrokerViewCounts()));
  for (const std::unique_ptr<BrokerProcess>& broker : brokers_) {
    Say(absl::StrCat("broker log warnings and errors: ", SummarizeLog(broker->log_path()), " (",
                     broker->log_path(), ")"));
  }

  std::vector<std::string> lost;
  for (const std::string& id : f.lost) lost.push_back(Describe(id));
  std::vector<std::string> failures;
  auto check = [&](const char* name, const std::vector<std::string>& offences,
                   absl::string_view what) {
    if (offences.empty()) return;
    failures.push_back(name);
    Say(absl::StrCat(name, ": ", offences.size(), " ", what, ": ", ListSome(offences)));
  };
  check("LOST", lost, "acknowledged sends were never delivered");
  check("PHANTOM", f.phantom, "delivered messages were never returned by Send");
  check("DUPLICATE", f.duplicate, "deliveries were not redeliveries of unacked messages");
  check("KEY", f.key_mismatch, "idempotency keys were answered with different messages");
  {
    absl::MutexLock lock(&refused_mu_);
    check("REFUSED", refused_, "sends were refused for good");
  }
  if (!drained.ok()) {
    failures.push_back("DRAIN");
    Say(absl::StrCat("DRAIN: ", drained.message()));
  }
  if (!audit.ok()) {
    failures.push_back("AUDIT");
    Say(absl::StrCat("AUDIT: ", audit.message()));
  }

  if (options_.expect_loss) {
    if (f.lost.empty()) {
      Say("FAIL: loss expected (--expect-loss), but every acknowledged send was delivered");
      return kExitFail;
    }
    Say(absl::StrCat("loss detected as expected: ", f.lost.size(),
                     " acknowledged sends were never delivered"));
    return kExitPass;
  }
  if (!failures.empty()) {
    Say(absl::StrCat("FAIL: ", absl::StrJoin(failures, ", ")));
    return kExitFail;
  }
  Say("PASS: every acknowledged send was delivered; no phantoms; duplicates only redeliveries; "
      "audit chain verified");
  return kExitPass;
}

int Harness::Run() {
  data_dir_ = options_.work_dir + "/broker";
  Say(absl::StrCat("crash harness: ", options_.cycles, " cycles, ", options_.senders,
                   " senders, seed ", options_.seed, options_.non_durable ? ", NON-DURABLE" : "",
                   options_.postgres_state.empty()
                       ? ""
                       : absl::StrCat(", ", options_.replicas, " replicas on PostgreSQL"),
                   "; broker data and log in ", data_dir_));
  if (absl::Status s = Prepare(); !s.ok()) {
    Say(absl::StrCat("setup failed: ", s.ToString(), " (broker logs in ", data_dir_, ")"));
    return kExitSetup;
  }

  // With replicas, two subscribers at once on different replicas: no delivery may be leased to
  // both (the ledger's check c).
  std::vector<std::thread> subscribers;
  for (int i = 0; i < std::min(options_.replicas, 2); ++i) {
    subscribers.emplace_back([this, i] { SubscribeLoop(i); });
  }
  std::vector<std::thread> senders;
  for (int i = 1; i <= options_.senders; ++i) senders.emplace_back([this, i] { SendLoop(i); });

  const absl::Status cycles = RunCycles();
  if (!cycles.ok()) {
    Say(absl::StrCat("CRASH RECOVERY: ", cycles.ToString()));
    give_up_ = true;
  }
  stop_sending_ = true;
  for (std::thread& t : senders) t.join();
  const absl::Status drained = cycles.ok() ? Drain() : cycles;
  StopSubscribers();
  for (std::thread& t : subscribers) t.join();

  const Findings findings = ledger_.Check();
  if (cycles.ok()) {
    // What the broker says about the lost messages the report lists.
    Probe({findings.lost.begin(),
           findings.lost.begin() + std::min(findings.lost.size(), kListAtMost)});
  }
  const absl::Status audit = cycles.ok() ? VerifyAuditChain() : cycles;
  if (cycles.ok()) {
    if (absl::Status stopped = StopBrokers(); !stopped.ok()) {
      Say(absl::StrCat("warning: ", stopped.message()));
    }
  }
  return Verdict(findings, drained, audit);
}

}  // namespace throughcare::crash
