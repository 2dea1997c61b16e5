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
// With --non-durable the broker answers writes before they are on disk, and --expect-loss passes
// only if check a reports the loss: the proof that the harness can see loss.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "client/grpc_status.h"
#include "client/retry.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/crash/broker_process.h"
#include "tests/crash/ledger.h"
#include "throughcare/status_macros.h"
#include "throughcare/v1/consent.grpc.pb.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::crash {
namespace {

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitSetup = 2;

// The subscriber's flow-control credit and lease. A short lease makes the deliveries in flight
// at a kill come back soon after the restart.
constexpr uint32_t kCredit = 50;
constexpr absl::Duration kLease = absl::Seconds(2);
// Pause before a failed call is tried again (the broker may be down).
constexpr absl::Duration kRetryPause = absl::Milliseconds(50);
constexpr absl::Duration kCallDeadline = absl::Seconds(10);
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
constexpr size_t kListAtMost = 10;

struct Actor {
  const char* agency;
  const char* user;
  const char* role;
  const char* purpose;
};
constexpr Actor kReception{"hmp-northgate", "reception-officer-1", "prison_reception",
                           "offender_management"};
constexpr Actor kCarat{"hmp-northgate", "carat-worker-1", "carat_worker", "direct_care"};
constexpr Actor kCjit{"cjit-east", "cjit-worker-1", "cjit_worker", "direct_care"};
constexpr Actor kAuditor{"ig-office", "auditor-1", "auditor", "audit"};

struct Options {
  int cycles = 50;
  int senders = 8;
  std::string daemon;
  std::string cli;
  std::string work_dir;
  bool non_durable = false;
  bool expect_loss = false;
  uint64_t seed = 0;
};

void Say(const std::string& line) { std::cout << line << std::endl; }

// ---- Clients ----

// One practitioner, authenticated as the CLI is (the agency's profile from `throughcared --dev`,
// an assertion minted for each call), on a channel that reconnects quickly after a restart.
class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Open(const std::string& dev_dir,
                                                      const Actor& actor) {
    client::SettingInputs in;
    in.dev_dir = dev_dir;
    in.agency = actor.agency;
    in.user = actor.user;
    in.role = actor.role;
    ASSIGN_OR_RETURN(client::ConnectionSettings settings, client::ResolveSettings(in));
    client::Connection::Options options;
    options.channel.quick_reconnect = true;
    ASSIGN_OR_RETURN(std::unique_ptr<client::Connection> connection,
                     client::Connection::Open(settings, std::move(options)));
    return std::unique_ptr<Client>(new Client(actor, std::move(connection)));
  }

  // A call context with a fresh assertion; InfiniteDuration for a stream.
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline = kCallDeadline) const {
    absl::StatusOr<std::unique_ptr<grpc::ClientContext>> ctx = connection_->NewContext(deadline);
    // Minting worked when the connection was opened; should it fail now, the call goes out
    // without an assertion and the broker's UNAUTHENTICATED says so.
    return ctx.ok() ? *std::move(ctx) : std::make_unique<grpc::ClientContext>();
  }

  const Actor& actor() const { return actor_; }
  const client::Connection& connection() const { return *connection_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return connection_->channel(); }

 private:
  Client(const Actor& actor, std::unique_ptr<client::Connection> connection)
      : actor_(actor), connection_(std::move(connection)) {}

  const Actor actor_;
  const std::unique_ptr<client::Connection> connection_;
};

// Makes one unary call as `client`: `call(context, response)` invokes the stub method.
template <typename Response, typename Call>
absl::StatusOr<Response> Unary(const Client& client, Call call) {
  return client::MakeUnaryCall<Response>(client.connection(), call, kCallDeadline);
}

// ---- Setup ----

// Reception registers the person and records custody, so the prison's CARAT works with them.
absl::StatusOr<std::string> RegisterPersonInCustody(const Client& reception) {
  auto stub = v1::SubjectService::NewStub(reception.channel());
  v1::RegisterSubjectRequest person;
  person.set_purpose(reception.actor().purpose);
  person.add_identifiers()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  person.mutable_identifiers(0)->set_value("A1234BC");
  ASSIGN_OR_RETURN(v1::Subject subject, Unary<v1::Subject>(reception, [&](auto* ctx, auto* out) {
                     return stub->RegisterSubject(ctx, person, out);
                   }));
  v1::StartRelationshipRequest custody;
  custody.set_purpose(reception.actor().purpose);
  custody.set_subject_id(subject.subject_id());
  custody.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  RETURN_IF_ERROR(Unary<v1::Relationship>(reception, [&](auto* ctx, auto* out) {
                    return stub->StartRelationship(ctx, custody, out);
                  }).status());
  return subject.subject_id();
}

// The person's consent to CARAT sharing drug data with the CJIT for direct care.
absl::Status RecordConsentToCjit(const Client& carat, const std::string& subject_id) {
  auto stub = v1::ConsentService::NewStub(carat.channel());
  v1::RecordConsentRequest req;
  req.set_purpose(carat.actor().purpose);
  req.set_subject_id(subject_id);
  req.add_data_classes("drugs");
  req.add_recipient_agencies(kCjit.agency);
  req.add_purposes(kCarat.purpose);
  req.mutable_valid_until()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
  req.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
  req.set_evidence_reference("crash harness consent (synthetic)");
  return Unary<v1::Consent>(
             carat, [&](auto* ctx, auto* out) { return stub->RecordConsent(ctx, req, out); })
      .status();
}

// The message sent under `key`: small, and the same every time, so a retry is a replay.
v1::SendRequest MessageFor(const std::string& subject_id, const std::string& key) {
  v1::SendRequest req;
  req.set_purpose(kCarat.purpose);
  req.add_recipient_agencies(kCjit.agency);
  req.set_subject_id(subject_id);
  req.set_idempotency_key(key);
  req.set_correlation_id("crash-harness");
  // Assessed 30 days before the harness started: one date for the whole run, so that a retry
  // after midnight is still a replay.
  static const std::string assessed =
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 30);
  v1::InlineRecord* record = req.mutable_inline_record();
  record->set_data_class("drugs");
  v1::DrugInterventionsRecord* dir = record->mutable_body()->mutable_drug_interventions_record();
  dir->set_assessment_date(assessed);
  dir->add_substances("heroin");
  return req;
}

bool CanBindLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// A free loopback port below the kernel's ephemeral range. While the broker is down, a client's
// connection attempt to a port inside that range may be given that very port as its source, and
// with nothing listening Linux connects the socket to itself (TCP simultaneous open); the
// restarted broker then finds its port in use.
absl::StatusOr<int> FreeListenPort() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  if (ephemeral_low <= 2048) return absl::InternalError("no ports below the ephemeral range");
  std::mt19937 rng{std::random_device()()};
  std::uniform_int_distribution<int> pick(std::max(1024, ephemeral_low - 10000), ephemeral_low - 1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int port = pick(rng);
    if (CanBindLoopback(port)) return port;
  }
  return absl::UnavailableError("no free loopback port below the ephemeral range");
}

// What the broker says about a message's delivery to its one recipient.
struct BrokerView {
  std::string state;   // "PENDING", "ACKNOWLEDGED", ...; "UNKNOWN" (NOT_FOUND) or "ERROR"
  std::string detail;  // the attempts, or what went wrong

  // Still in the mailbox (or not known yet): the subscriber may still get it.
  bool open() const { return state == "PENDING" || state == "DELIVERED" || state == "ERROR"; }
};

// Error codes by name, counted from several threads.
class CodeCounts {
 public:
  void Add(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    ++counts_[client::GrpcCodeName(code)];
  }
  std::string ToString() const {
    absl::MutexLock lock(&mu_);
    if (counts_.empty()) return "none";
    return absl::StrJoin(counts_, ", ", absl::PairFormatter(" "));
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> counts_ ABSL_GUARDED_BY(mu_);
};

// gRPC's own error lines: "E1122 22:11:55.435738250 ...".
bool IsGrpcError(absl::string_view line) {
  return line.size() > 5 && line[0] == 'E' && absl::ascii_isdigit(line[1]) &&
         absl::ascii_isdigit(line[4]);
}

// The value of `key` in a logfmt line, or "".
std::string LogField(const std::string& line, absl::string_view key) {
  const std::string prefix = absl::StrCat(" ", key, "=");
  const size_t at = line.find(prefix);
  if (at == std::string::npos) return "";
  const size_t start = at + prefix.size();
  return line.substr(start, line.find(' ', start) - start);
}

// The broker log's warnings and errors, counted by event (and for calls, method and code):
// "warning rpc Subscribe CANCELLED x1", or "none".
std::string SummarizeLog(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, int> counts;
  for (std::string line; std::getline(in, line);) {
    if (IsGrpcError(line)) ++counts["gRPC error"];
    const std::string level = LogField(line, "level");
    if (level != "warning" && level != "error") continue;
    const std::string event = LogField(line, "event");
    ++counts[event == "rpc" ? absl::StrCat(level, " rpc ", LogField(line, "method"), " ",
                                           LogField(line, "code"))
                            : absl::StrCat(level, " ", event)];
  }
  if (counts.empty()) return "none";
  return absl::StrJoin(counts, ", ", absl::PairFormatter(" x"));
}

std::string ListSome(const std::vector<std::string>& items) {
  std::vector<std::string> some(items.begin(), items.begin() + std::min(items.size(), kListAtMost));
  return absl::StrCat(absl::StrJoin(some, "; "), items.size() > kListAtMost ? "; ..." : "");
}

// ---- The harness ----

// One run: setup, the crash cycles with senders and a subscriber running, the drain, the checks.
class Harness {
 public:
  explicit Harness(Options options) : options_(std::move(options)), rng_(options_.seed) {}

  int Run();

 private:
  absl::Status Prepare();
  absl::Status OpenClients();
  absl::Status StopBroker();
  absl::Status StartBroker();
  absl::Status AwaitServing();
  absl::Status RaiseSendRateLimit();

  void SendLoop(int sender);
  bool SendUntilAcknowledged(v1::MessagingService::Stub& stub, const std::string& key);
  void SubscribeLoop();
  void Subscribe(v1::MessagingService::Stub& stub);
  void StopSubscriber();

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
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<Client> carat_;
  std::unique_ptr<Client> cjit_;
  std::string subject_id_;
  Ledger ledger_;
  CodeCounts send_errors_;
  CodeCounts stream_ends_;

  std::atomic<bool> stop_sending_{false};
  std::atomic<bool> give_up_{false};  // the broker is gone for good: stop retrying
  absl::Mutex refused_mu_;
  std::vector<std::string> refused_ ABSL_GUARDED_BY(refused_mu_);  // sends refused for good

  absl::Mutex subscriber_mu_;
  bool stop_subscriber_ ABSL_GUARDED_BY(subscriber_mu_) = false;
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(subscriber_mu_) = nullptr;

  // What the broker said about messages the subscriber could not settle, and those of them
  // whose delivery is over (acknowledged, dead-lettered, ..., or unknown to the broker).
  absl::Mutex probe_mu_;
  absl::flat_hash_map<std::string, BrokerView> broker_views_ ABSL_GUARDED_BY(probe_mu_);
  absl::flat_hash_set<std::string> over_ ABSL_GUARDED_BY(probe_mu_);
};

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

// What GetStatus, asked as the sender, says about a message's one recipient.
BrokerView AskBroker(const Client& carat, v1::MessagingService::Stub& stub,
                     const std::string& message_id) {
  v1::GetStatusRequest req;
  req.set_message_id(message_id);
  absl::StatusOr<v1::MessageStatus> status = Unary<v1::MessageStatus>(
      carat, [&](auto* ctx, auto* out) { return stub.GetStatus(ctx, req, out); });
  if (absl::IsNotFound(status.status())) return {"UNKNOWN", "no such message"};
  if (!status.ok()) {
    return {"ERROR", absl::StrCat(absl::StatusCodeToString(status.status().code()), ": ",
                                  status.status().message())};
  }
  if (status->recipients_size() != 1) {
    return {"ERROR", absl::StrCat(status->recipients_size(), " recipients")};
  }
  const v1::RecipientStatus& r = status->recipients(0);
  const std::string& name = v1::DeliveryState_Name(r.state());
  return {std::string(absl::StripPrefix(name, "DELIVERY_STATE_")),
          absl::StrCat(r.attempts(), " attempts")};
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

}  // namespace
}  // namespace throughcare::crash

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
