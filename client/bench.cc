#include "client/bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/bench_measure.h"
#include "client/bench_report.h"
#include "client/channel.h"
#include "client/grpc_status.h"
#include "client/retry.h"
#include "services/crypto/ids.h"
#include "throughcare/status_macros.h"
#include "throughcare/v1/consent.grpc.pb.h"
#include "throughcare/v1/diagnostics.grpc.pb.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::client {
namespace {

using bench::BenchResult;
using bench::NowNs;
using bench::PhaseResult;
using bench::PhaseRun;
using bench::PhaseSpec;
using bench::Progress;
using bench::RunPhase;
using bench::SenderLog;
using bench::Summarize;
using bench::Tally;
using bench::Window;


constexpr char kSendPurpose[] = "direct_care";
constexpr char kRegisterPurpose[] = "offender_management";
constexpr char kDataClass[] = "drugs";
constexpr uint32_t kSubscribeCredit = 1000;
// Long enough that no delivery is leased twice during a run.
constexpr absl::Duration kLease = absl::Minutes(10);
// How long to wait, once the senders stop, for the deliveries still on their way.
constexpr absl::Duration kDrainTimeout = absl::Seconds(30);
// A sender that got an error waits this long before its next call, so that a refusing or
// unreachable broker is not hammered by a busy loop.
constexpr absl::Duration kErrorPause = absl::Milliseconds(10);

// A record body of `bytes` serialized bytes (or one less, where a length prefix grows by a byte
// just there): a drug interventions record padded with notes.
absl::StatusOr<v1::RecordBody> RecordBodyOfSize(int bytes) {
  v1::RecordBody body;
  v1::DrugInterventionsRecord* record = body.mutable_drug_interventions_record();
  record->set_assessment_date(
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 30));
  record->add_substances("heroin");
  record->set_treatment_status("in treatment");
  const int base = static_cast<int>(body.ByteSizeLong());
  const std::string filler = "Synthetic benchmark record; not about a real person. ";
  for (int n = bytes - base; n > 0; --n) {
    std::string notes;
    while (static_cast<int>(notes.size()) < n) notes += filler;
    notes.resize(n);
    record->set_notes(std::move(notes));
    if (static_cast<int>(body.ByteSizeLong()) <= bytes) return body;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--record-bytes: at least ", base + 2, " (a drug interventions record)"));
}

// One practitioner of one agency: a connection with an assertion minted once for the whole run
// (so that the client's signing is not measured), and the TLS settings for more channels.
class Practitioner final {
 public:
  static absl::StatusOr<std::unique_ptr<Practitioner>> Create(const SettingInputs& base,
                                                              const std::string& agency,
                                                              const std::string& user,
                                                              const std::string& role,
                                                              absl::Duration ttl) {
    SettingInputs in;
    in.server = base.server;
    in.dev_dir = base.dev_dir;
    in.agency = agency;
    in.user = user;
    in.role = role;
    ASSIGN_OR_RETURN(ConnectionSettings settings, ResolveSettings(in));
    ASSIGN_OR_RETURN(settings.token, MintPractitionerToken(settings, absl::Now(), ttl));
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(settings, {}));
    ASSIGN_OR_RETURN(grpc::SslCredentialsOptions tls, ReadTlsCredentials(settings));
    return std::unique_ptr<Practitioner>(
        new Practitioner(std::move(settings.server), std::move(tls), std::move(connection)));
  }

  // For setup and the broker's counters.
  const Connection& connection() const { return *connection_; }

  // A channel with a TLS connection of its own.
  std::shared_ptr<grpc::Channel> NewChannel() const {
    ChannelOptions options;
    options.own_connection = true;
    return NewTlsChannel(server_, tls_, options);
  }

  // A context with the assertion and the CLI's usual deadline (`deadline` false: none).
  std::unique_ptr<grpc::ClientContext> NewContext(bool deadline = true) const {
    // With a ready-made token there is nothing to mint, so this cannot fail.
    return *connection_->NewContext(deadline ? kCallDeadline : absl::InfiniteDuration());
  }

 private:
  Practitioner(std::string server, grpc::SslCredentialsOptions tls,
               std::unique_ptr<Connection> connection)
      : server_(std::move(server)), tls_(std::move(tls)), connection_(std::move(connection)) {}

  const std::string server_;
  const grpc::SslCredentialsOptions tls_;
  const std::unique_ptr<Connection> connection_;
};

absl::StatusOr<v1::Stats> GetStats(const Practitioner& who) {
  auto stub = v1::DiagnosticsService::NewStub(who.connection().channel());
  return MakeUnaryCall<v1::Stats>(who.connection(),
                                  [&](grpc::ClientContext* context, v1::Stats* out) {
                                    return stub->GetStats(context, v1::GetStatsRequest(), out);
                                  });
}

// One letter, four digits, two letters.
std::string RandomNomsNumber() {
  std::random_device seed;
  std::mt19937 random(seed());
  auto letter = [&] { return static_cast<char>('A' + random() % 26); };
  std::string noms(1, letter());
  for (int i = 0; i < 4; ++i) noms += static_cast<char>('0' + random() % 10);
  noms += letter();
  noms += letter();
  return noms;
}

// Registers a synthetic person in custody of the reception's agency, with the person's consent
// to drugs data going to `recipient_agency` for direct care. Returns the subject id.
absl::StatusOr<std::string> SetUpPerson(const Practitioner& reception, const Practitioner& sender,
                                        const std::string& recipient_agency, std::ostream& err) {
  auto subjects = v1::SubjectService::NewStub(reception.connection().channel());
  v1::RegisterSubjectRequest reg;
  reg.set_purpose(kRegisterPurpose);
  v1::Identifier* noms = reg.add_identifiers();
  noms->set_kind(v1::IDENTIFIER_KIND_NOMS);
  noms->set_value(RandomNomsNumber());
  const Connection& prison = reception.connection();
  ASSIGN_OR_RETURN(v1::Subject subject,
                   MakeUnaryCall<v1::Subject>(prison, [&](auto* context, auto* out) {
                     return subjects->RegisterSubject(context, reg, out);
                   }));

  v1::StartRelationshipRequest custody;
  custody.set_purpose(kRegisterPurpose);
  custody.set_subject_id(subject.subject_id());
  custody.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  RETURN_IF_ERROR(MakeUnaryCall<v1::Relationship>(prison, [&](auto* context, auto* out) {
                    return subjects->StartRelationship(context, custody, out);
                  }).status());

  auto consents = v1::ConsentService::NewStub(sender.connection().channel());
  v1::RecordConsentRequest consent;
  consent.set_purpose(kSendPurpose);
  consent.set_subject_id(subject.subject_id());
  consent.add_data_classes(kDataClass);
  consent.add_recipient_agencies(recipient_agency);
  consent.add_purposes(kSendPurpose);
  consent.mutable_valid_until()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
  consent.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
  consent.set_evidence_reference("throughcare bench (synthetic)");
  RETURN_IF_ERROR(MakeUnaryCall<v1::Consent>(sender.connection(), [&](auto* context, auto* out) {
                    return consents->RecordConsent(context, consent, out);
                  }).status());
  err << "synthetic person " << subject.subject_id() << " (NOMS " << noms->value()
      << "): custody, consent to " << recipient_agency << "\n";
  return subject.subject_id();
}

PhaseSpec PhaseFor(const std::string& name, const BenchArgs& args) {
  PhaseSpec spec;
  spec.name = name;
  spec.threads = args.senders;
  spec.warmup = args.warmup;
  spec.duration = args.duration;
  return spec;
}

// Takes deliveries by Subscribe on its own thread and acks each on the stream; remembers when
// each message of this run (by correlation id) first arrived.
class Subscriber final {
 public:
  Subscriber(const Practitioner& recipient, std::string correlation_id)
      : channel_(recipient.NewChannel()),
        context_(recipient.NewContext(/*deadline=*/false)),
        correlation_id_(std::move(correlation_id)) {}

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Messages of this run that have arrived so far.
  int64_t delivered() const { return delivered_.load(); }

  // Waits until `expected` messages of this run have arrived, or `timeout`, then ends the
  // stream. The stream's own failure, if any.
  absl::Status Stop(int64_t expected, absl::Duration timeout) {
    const int64_t deadline = NowNs() + absl::ToInt64Nanoseconds(timeout);
    while (delivered() < expected && NowNs() < deadline && !ended_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stopping_ = true;
    context_->TryCancel();
    thread_.join();
    return status_;
  }

  // After Stop: first arrival of each message of this run, and failed acks by code.
  const absl::flat_hash_map<std::string, int64_t>& arrivals() const { return arrivals_; }
  const std::map<std::string, int64_t>& ack_errors() const { return ack_errors_; }

 private:
  void Run() {
    auto stub = v1::MessagingService::NewStub(channel_);
    auto stream = stub->Subscribe(context_.get());
    v1::SubscribeRequest first;
    first.set_credit(kSubscribeCredit);
    first.mutable_lease()->set_seconds(absl::ToInt64Seconds(kLease));
    v1::SubscribeResponse response;
    if (stream->Write(first)) {
      v1::SubscribeRequest ack;
      ack.mutable_settle()->mutable_ack();
      while (stream->Read(&response)) {
        if (response.has_settled()) {
          const std::string& code = response.settled().error_code();
          if (!code.empty()) ++ack_errors_[code];
          continue;
        }
        if (!response.has_delivery()) continue;
        const int64_t now = NowNs();
        const v1::Delivery& d = response.delivery();
        if (d.correlation_id() == correlation_id_ &&
            arrivals_.emplace(d.message_id(), now).second) {
          ++delivered_;
        }
        // Everything is acked, also what earlier runs left in the mailbox.
        ack.mutable_settle()->set_lease_id(d.lease_id());
        if (!stream->Write(ack)) break;
      }
    }
    const grpc::Status status = stream->Finish();
    if (!stopping_.load() && !status.ok()) {
      const absl::Status error = FromGrpcStatus(status);
      status_ = absl::Status(error.code(), absl::StrCat("subscription: ", error.message()));
    }
    ended_ = true;
  }

  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<grpc::ClientContext> context_;
  const std::string correlation_id_;
  std::thread thread_;
  std::atomic<int64_t> delivered_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ended_{false};
  // Written by the subscriber's thread; read after it has been joined.
  absl::flat_hash_map<std::string, int64_t> arrivals_;
  std::map<std::string, int64_t> ack_errors_;
  absl::Status status_;
};

// The senders' TLS channels, each with a connection of its own, connected before the phases.
using Channels = std::vector<std::shared_ptr<grpc::Channel>>;

absl::StatusOr<Channels> ConnectChannels(const Practitioner& sender, int count) {
  Channels channels;
  for (int i = 0; i < count; ++i) {
    channels.push_back(sender.NewChannel());
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10))) {
      return MarkOrigin(absl::UnavailableError(absl::StrCat("could not reach the broker at ",
                                                            sender.connection().server(),
                                                            " (TLS channel ", i + 1, ")")),
                        ErrorOrigin::kUnreachable);
    }
  }
  return channels;
}

// Makes `call` until the phase stops. A failed call is counted and, after a pause, followed by
// the next one: the bench measures calls, so it makes a new call rather than give up or wait
// for the broker to recover.
void CallUntilStopped(const std::atomic<bool>& stop, absl::FunctionRef<absl::Status()> call) {
  RetryOptions retry;
  retry.pause = kErrorPause;
  retry.stop = [&stop] { return stop.load(); };
  retry.retryable = [](const absl::Status&) { return true; };
  while (!stop) Retry(retry, call).IgnoreError();
}

// Phase 1: Echo calls with the record's size of payload, spread over the channels.
absl::StatusOr<PhaseResult> RunEchoPhase(const BenchArgs& args, const Practitioner& sender,
                                         const Channels& channels, int payload_bytes,
                                         std::ostream& err) {
  v1::EchoRequest request;
  request.set_payload(std::string(payload_bytes, 'x'));
  Progress progress;
  PhaseSpec spec = PhaseFor("echo", args);
  spec.work = [&](int index, const std::atomic<bool>& stop, SenderLog& log) {
    auto stub = v1::DiagnosticsService::NewStub(channels[index % channels.size()]);
    v1::EchoResponse response;
    CallUntilStopped(stop, [&] {
      std::unique_ptr<grpc::ClientContext> context = sender.NewContext();
      const int64_t start = NowNs();
      const grpc::Status s = stub->Echo(context.get(), request, &response);
      log.calls.push_back({start, NowNs(), s.error_code()});
      ++(s.ok() ? progress.ok : progress.failed);
      return FromGrpcStatus(s);
    });
  };
  ASSIGN_OR_RETURN(const PhaseRun run, RunPhase(spec, progress, err));
  return Tally(run.logs, run.window);
}

// The storage figures of the send phase, from the broker's counters at the window's ends.
void AddCommitFigures(const v1::Stats& before, const v1::Stats& after, const Window& window,
                      BenchResult& result) {
  const auto delta = [&](int64_t (v1::Stats::*field)() const) {
    return static_cast<double>((after.*field)() - (before.*field)());
  };
  const double message_commits = delta(&v1::Stats::message_commits);
  const double commits = delta(&v1::Stats::storage_commits);
  result.messages_per_commit =
      message_commits > 0 ? delta(&v1::Stats::messages_accepted) / message_commits : 0;
  result.transactions_per_commit =
      commits > 0 ? delta(&v1::Stats::storage_transactions) / commits : 0;
  result.commits_per_second = commits / window.seconds();
}

// Send-to-delivery latency of the messages sent in the window, and those not delivered.
void AddDeliveryFigures(const PhaseRun& run, const Subscriber& subscriber, BenchResult& result) {
  std::vector<int64_t> latencies;
  for (const SenderLog& log : run.logs) {
    for (const auto& [message_id, start] : log.sent) {
      if (!run.window.Contains(start)) continue;
      auto it = subscriber.arrivals().find(message_id);
      if (it == subscriber.arrivals().end()) {
        ++result.not_delivered;
      } else {
        latencies.push_back(it->second - start);
      }
    }
  }
  result.delivery = Summarize(std::move(latencies));
  result.ack_errors = subscriber.ack_errors();
}

// Phase 2: durable sends of `body` about the person, delivered to one subscriber.
absl::Status RunSendPhase(const BenchArgs& args, const Practitioner& sender,
                          const Practitioner& recipient, const Channels& channels,
                          const v1::RecordBody& body, const std::string& subject_id,
                          BenchResult& result, std::ostream& err) {
  v1::SendRequest request;
  request.set_purpose(kSendPurpose);
  request.add_recipient_agencies(args.recipient_agency);
  request.set_subject_id(subject_id);
  request.set_correlation_id(result.run_id);
  request.mutable_inline_record()->set_data_class(kDataClass);
  *request.mutable_inline_record()->mutable_body() = body;

  Subscriber subscriber(recipient, result.run_id);
  subscriber.Start();
  Progress progress;
  PhaseSpec spec = PhaseFor("send", args);
  spec.work = [&](int index, const std::atomic<bool>& stop, SenderLog& log) {
    auto stub = v1::MessagingService::NewStub(channels[index % channels.size()]);
    v1::SendRequest mine = request;
    v1::SendResponse response;
    int64_t seq = 0;
    CallUntilStopped(stop, [&] {
      mine.set_idempotency_key(absl::StrCat(result.run_id, "-", index, "-", seq++));
      std::unique_ptr<grpc::ClientContext> context = sender.NewContext();
      const int64_t start = NowNs();
      const grpc::Status s = stub->Send(context.get(), mine, &response);
      log.calls.push_back({start, NowNs(), s.error_code()});
      if (s.ok()) log.sent.emplace_back(response.message_id(), start);
      ++(s.ok() ? progress.ok : progress.failed);
      return FromGrpcStatus(s);
    });
  };
  int64_t last_delivered = 0;
  spec.extra_progress = [&] {
    const int64_t delivered = subscriber.delivered();
    const std::string line = absl::StrFormat(" %8d delivered/s", delivered - last_delivered);
    last_delivered = delivered;
    return line;
  };
  v1::Stats before;
  v1::Stats after;
  spec.at_window_begin = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(before, GetStats(sender));
    return absl::OkStatus();
  };
  spec.at_window_end = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(after, GetStats(sender));
    return absl::OkStatus();
  };
  absl::StatusOr<PhaseRun> run = RunPhase(spec, progress, err);
  err << "waiting for the last deliveries\n";
  const absl::Status subscribed = subscriber.Stop(progress.ok.load(), kDrainTimeout);
  RETURN_IF_ERROR(run.status());
  RETURN_IF_ERROR(subscribed);
  result.send = Tally(run->logs, run->window);
  AddCommitFigures(before, after, run->window, result);
  AddDeliveryFigures(*run, subscriber, result);
  return absl::OkStatus();
}

}  // namespace

absl::Status Bench(Session& session, const BenchArgs& args) {
  std::ostream& err = session.err();
  if (args.connection.dev_dir.empty()) {
    return absl::FailedPreconditionError(
        "bench: give --dev-dir (a `throughcared --dev` directory, for the agencies' profiles)");
  }
  BenchResult result;
  result.channels = std::min(args.channels, args.senders);
  ASSIGN_OR_RETURN(const v1::RecordBody body, RecordBodyOfSize(args.record_bytes));
  result.record_bytes = static_cast<int>(body.ByteSizeLong());
  result.run_id = crypto::NewOpaqueId("bench");

  // Every assertion outlives the run.
  const absl::Duration ttl = 2 * (args.warmup + args.duration) + kDrainTimeout + absl::Hours(1);
  ASSIGN_OR_RETURN(auto reception,
                   Practitioner::Create(args.connection, args.sender_agency, "bench-reception",
                                        args.register_role, ttl));
  ASSIGN_OR_RETURN(auto sender, Practitioner::Create(args.connection, args.sender_agency,
                                                     "bench-sender", args.sender_role, ttl));
  ASSIGN_OR_RETURN(auto recipient,
                   Practitioner::Create(args.connection, args.recipient_agency, "bench-recipient",
                                        args.recipient_role, ttl));
  ASSIGN_OR_RETURN(const std::string subject_id,
                   SetUpPerson(*reception, *sender, args.recipient_agency, err));
  ASSIGN_OR_RETURN(const Channels channels, ConnectChannels(*sender, result.channels));

  ASSIGN_OR_RETURN(result.echo,
                   RunEchoPhase(args, *sender, channels, result.record_bytes, err));
  RETURN_IF_ERROR(RunSendPhase(args, *sender, *recipient, channels, body, subject_id, result, err));

  session.out() << (session.json() ? bench::RenderJson(args, result)
                                    : bench::RenderText(args, result));
  return absl::OkStatus();
}

}  // namespace throughcare::client
