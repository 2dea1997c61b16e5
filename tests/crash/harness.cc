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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/grpc_status.h"
#include "client/retry.h"
#include "grpc/health/v1/health.grpc.pb.h"
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

// Starts the broker once to create the development environment, sets up the person and the
// consent, lifts the send rate limit and restarts.
absl::Status Harness::Prepare() {
  std::error_code ec;
  if (!std::filesystem::create_directories(data_dir_, ec)) {
    return absl::InternalError(absl::StrCat("cannot create ", data_dir_, ": ", ec.message()));
  }
  ASSIGN_OR_RETURN(const int port, FreeListenPort());
  // Metrics on a free port: the development default, 9464, may be taken by another broker.
  std::vector<std::string> argv = {options_.daemon,    "--dev",
                                   "--data-dir",       data_dir_,
                                   "--listen",         absl::StrCat("127.0.0.1:", port),
                                   "--metrics-listen", "127.0.0.1:0"};
  if (options_.non_durable) argv.push_back("--unsafe-non-durable-for-tests");
  broker_ = std::make_unique<BrokerProcess>(std::move(argv), data_dir_ + "/throughcared.log");
  RETURN_IF_ERROR(broker_->Start());
  // The configuration is written last, after the profiles the clients read.
  const std::string config = data_dir_ + "/throughcared.yaml";
  const absl::Time deadline = absl::Now() + kServeTimeout;
  while (!std::filesystem::exists(config)) {
    RETURN_IF_ERROR(broker_->CheckRunning());
    if (absl::Now() > deadline) return absl::DeadlineExceededError("no development environment");
    absl::SleepFor(absl::Milliseconds(20));
  }
  RETURN_IF_ERROR(OpenClients());
  RETURN_IF_ERROR(AwaitServing());
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Client> reception, Client::Open(data_dir_, kReception));
    ASSIGN_OR_RETURN(subject_id_, RegisterPersonInCustody(*reception));
  }
  RETURN_IF_ERROR(RecordConsentToCjit(*carat_, subject_id_));
  RETURN_IF_ERROR(StopBroker());
  RETURN_IF_ERROR(RaiseSendRateLimit());
  RETURN_IF_ERROR(OpenClients());
  return StartBroker();
}

absl::Status Harness::OpenClients() {
  ASSIGN_OR_RETURN(carat_, Client::Open(data_dir_, kCarat));
  ASSIGN_OR_RETURN(cjit_, Client::Open(data_dir_, kCjit));
  return absl::OkStatus();
}

// SIGTERM, once the clients' channels are closed: an idle channel never reads the broker's
// GOAWAY, so its connection would hold up the broker's shutdown for the whole grace period.
absl::Status Harness::StopBroker() {
  carat_.reset();
  cjit_.reset();
  const absl::Time start = absl::Now();
  RETURN_IF_ERROR(broker_->Stop(absl::Seconds(20)));
  Say(absl::StrFormat("broker stopped by SIGTERM in %.2f s",
                      absl::ToDoubleSeconds(absl::Now() - start)));
  return absl::OkStatus();
}

// The default (200 sends a second per agency) would throttle the senders; the config written by
// `--dev` is kept from then on, so a section added to it applies from the next start.
absl::Status Harness::RaiseSendRateLimit() {
  std::ofstream config(data_dir_ + "/throughcared.yaml", std::ios::app);
  config << "# Added by the crash harness: no send rate limit to speak of.\n"
            "messaging:\n"
            "  send_rate_per_second: 1000000\n"
            "  send_burst: 1000000\n";
  config.close();
  return config ? absl::OkStatus() : absl::InternalError("cannot append to throughcared.yaml");
}

absl::Status Harness::StartBroker() {
  RETURN_IF_ERROR(broker_->Start());
  return AwaitServing();
}

// Health checks until the broker answers SERVING; fails at once if it exits.
absl::Status Harness::AwaitServing() {
  auto health = grpc::health::v1::Health::NewStub(carat_->channel());
  const absl::Time deadline = absl::Now() + kServeTimeout;
  while (true) {
    RETURN_IF_ERROR(broker_->CheckRunning());
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
          "the broker did not serve within ", absl::FormatDuration(kServeTimeout), " of start ",
          broker_->starts(), " (last health check: ", s.error_message(), ")"));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

// ---- Senders ----

void Harness::SendLoop(int sender) {
  auto stub = v1::MessagingService::NewStub(carat_->channel());
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
    const grpc::Status s = stub.Send(carat_->Context().get(), request, &response);
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

void Harness::SubscribeLoop() {
  auto stub = v1::MessagingService::NewStub(cjit_->channel());
  while (true) {
    {
      absl::MutexLock lock(&subscriber_mu_);
      if (stop_subscriber_) return;
    }
    Subscribe(*stub);
    absl::SleepFor(kRetryPause);
  }
}

// One Subscribe stream, until it breaks: records each delivery and acks it at once; records
// each settlement result.
void Harness::Subscribe(v1::MessagingService::Stub& stub) {
  std::unique_ptr<grpc::ClientContext> ctx = cjit_->Context(absl::InfiniteDuration());
  {
    absl::MutexLock lock(&subscriber_mu_);
    if (stop_subscriber_) return;
    stream_ = ctx.get();
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
  stream_ = nullptr;
}

void Harness::StopSubscriber() {
  absl::MutexLock lock(&subscriber_mu_);
  stop_subscriber_ = true;
  if (stream_ != nullptr) stream_->TryCancel();
}

// ---- Crashes ----

absl::Status Harness::RunCycles() {
  std::uniform_real_distribution<double> up_seconds(kMinUpSeconds, kMaxUpSeconds);
  for (int cycle = 1; cycle <= options_.cycles; ++cycle) {
    const absl::Time serving = absl::Now();
    absl::SleepFor(absl::Seconds(up_seconds(rng_)));
    RETURN_IF_ERROR(broker_->CheckRunning());  // it must not have died by itself
    RETURN_IF_ERROR(broker_->Kill());
    const absl::Time killed = absl::Now();
    RETURN_IF_ERROR(StartBroker());
    const Tally t = ledger_.tally();
    Say(absl::StrFormat(
        "cycle %d/%d: killed after %.2f s; %d sends acknowledged, %d delivered (serving again "
        "%.2f s after the kill)",
        cycle, options_.cycles, absl::ToDoubleSeconds(killed - serving), t.sends_acknowledged,
        t.delivered, absl::ToDoubleSeconds(absl::Now() - killed)));
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
      auto stub = v1::MessagingService::NewStub(carat_->channel());
      for (size_t i = next++; i < ids.size(); i = next++) {
        BrokerView view = AskBroker(*carat_, *stub, ids[i]);
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
  Say(absl::StrCat("broker log warnings and errors: ", SummarizeLog(broker_->log_path()), " (",
                   broker_->log_path(), ")"));

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
                   "; broker data and log in ", data_dir_));
  if (absl::Status s = Prepare(); !s.ok()) {
    Say(absl::StrCat("setup failed: ", s.ToString(), " (broker log: ", data_dir_,
                     "/throughcared.log)"));
    return kExitSetup;
  }

  std::thread subscriber([this] { SubscribeLoop(); });
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
  StopSubscriber();
  subscriber.join();

  const Findings findings = ledger_.Check();
  if (cycles.ok()) {
    // What the broker says about the lost messages the report lists.
    Probe({findings.lost.begin(),
           findings.lost.begin() + std::min(findings.lost.size(), kListAtMost)});
  }
  const absl::Status audit = cycles.ok() ? VerifyAuditChain() : cycles;
  if (cycles.ok()) {
    if (absl::Status stopped = StopBroker(); !stopped.ok()) {
      Say(absl::StrCat("warning: ", stopped.message()));
    }
  }
  return Verdict(findings, drained, audit);
}

}  // namespace throughcare::crash
