// The broker process: storage, the notifier and executor, the domain services
// (DomainServices), the edge and handlers, the gRPC server and the ticker of periodic work.
#include "services/server/broker.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/audit/migrate_chain.h"
#include "services/core/files.h"
#include "services/core/in_process_notifier.h"
#include "services/core/periodic_work.h"
#include "services/core/thread_pool.h"
#include "services/crypto/ids.h"
#include "services/server/domain_services.h"
#include "services/server/edge.h"
#include "services/server/handlers.h"
#include "services/server/https_listener.h"
#include "services/server/identity.h"
#include "services/server/log.h"
#include "services/server/malformed_requests.h"
#include "services/server/metrics.h"
#include "services/server/storage_health.h"
#include "services/storage/postgres_storage.h"
#include "services/storage/sqlite_storage.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

// How often the broker settles what has fallen due in messaging (expiry, expired leases) and in
// referrals (deadlines to escalate), sequences the audit log, and wakes subscribers (deliveries
// whose retry delay has passed).
constexpr absl::Duration kMessagingTick = absl::Milliseconds(100);

// The broker warns at start when the directory's bank holidays end sooner than this.
constexpr int kBankHolidayHorizonDays = 183;

// What Start loads, checks and opens before the broker is built.
struct Loaded {
  DomainInputs inputs;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<Metrics> metrics;  // before storage, which reports its commits to it
  std::unique_ptr<HealthCheckedStorage> storage;
  std::unique_ptr<LeaderElection> election;  // which replica runs the leader-only tasks
};

// Threads for the blocking work that reactions and storage callbacks hand off (mailbox looks,
// audit export pages).
constexpr int kExecutorThreads = 4;

// Logs what a periodic task did: its error, or its report when it did something.
void LogPeriodic(absl::string_view task, const absl::Status& status, const PeriodicReport& report) {
  if (!status.ok()) {
    Log(LogLevel::kWarning, task, {{"error", status.ToString()}});
    return;
  }
  std::vector<LogField> fields(report.begin(), report.end());
  Log(LogLevel::kInfo, task, fields);
}

// Opens the configured storage backend, wrapped to watch its health and reporting each commit's
// duration to the metrics (made first), and the election of the replica that runs the
// leader-only periodic tasks: a broker on SQLite runs alone; replicas sharing PostgreSQL elect
// one with an advisory lock.
absl::Status OpenStorage(const BrokerConfig& config, const BrokerOptions& options,
                         Notifier* notifier, Loaded& loaded) {
  if (!config.postgres_dsn.empty()) {
    if (options.unsafe_non_durable) {
      return absl::InvalidArgumentError("the non-durable test mode exists for SQLite only");
    }
    storage::PostgresOptions postgres;
    postgres.dsn = config.postgres_dsn;
    postgres.pool_size = config.postgres_pool_size;
    postgres.notifier = notifier;
    postgres.on_commit = loaded.metrics->CommitObserver();
    ASSIGN_OR_RETURN(std::unique_ptr<Storage> opened, storage::OpenPostgresStorage(postgres));
    // Named without the DSN, which may hold a password.
    loaded.storage = std::make_unique<HealthCheckedStorage>(std::move(opened), "postgres");
    ASSIGN_OR_RETURN(loaded.election, storage::OpenPostgresLeaderElection(config.postgres_dsn));
    return absl::OkStatus();
  }
  std::filesystem::path db(config.sqlite_path);
  std::error_code ec;
  std::filesystem::create_directories(db.parent_path(), ec);
  storage::SqliteOptions sqlite;
  sqlite.path = config.sqlite_path;
  sqlite.on_commit = loaded.metrics->CommitObserver();
  sqlite.unsafe_reply_before_commit = options.unsafe_non_durable;
  sqlite.notifier = notifier;
  ASSIGN_OR_RETURN(std::unique_ptr<Storage> opened, storage::OpenSqliteStorage(sqlite));
  loaded.storage = std::make_unique<HealthCheckedStorage>(std::move(opened), config.sqlite_path);
  loaded.election = std::make_unique<SoleReplica>();
  return absl::OkStatus();
}

class BrokerImpl final : public Broker {
 public:
  BrokerImpl(const BrokerConfig& config, const Clock& clock, Loaded loaded,
             std::unique_ptr<InProcessNotifier> notifier, bool plaintext)
      : config_(config),
        clock_(clock),
        notifier_(std::move(notifier)),
        storage_(std::move(loaded.storage)),
        election_(std::move(loaded.election)),
        metrics_(std::move(loaded.metrics)),
        executor_(kExecutorThreads),
        authenticator_(std::move(loaded.authenticator)),
        domain_(config_, std::move(loaded.inputs),
                DomainEnvironment{*storage_, clock, ids_, random_, *notifier_, executor_}),
        periodic_(*election_, LogPeriodic),
        edge_(*authenticator_, domain_.policies(), clock, *metrics_, *storage_,
              domain_.audit_log(), plaintext),
        subject_handlers_(edge_, domain_.subjects()),
        record_handlers_(edge_, domain_.records()),
        audit_handlers_(edge_, domain_.audit(), executor_),
        consent_handlers_(edge_, domain_.consent()),
        messaging_handlers_(edge_, domain_.messaging()),
        referral_handlers_(edge_, domain_.referrals(), config_.directory),
        diagnostics_handlers_(edge_, *storage_),
        admin_handlers_(edge_, domain_.policy_admin(), config_),
        adapter_calls_(*storage_, domain_.policies(),
                       {subject_handlers_, record_handlers_, consent_handlers_,
                        referral_handlers_}) {
    domain_.AddPeriodicTasks(periodic_);
    domain_.messaging().set_end_observer(
        [this](DeliveryState state) { metrics_->RecordDeliveryEnded(state); });
  }

  absl::Status Serve(std::shared_ptr<grpc::ServerCredentials> credentials) {
    RETURN_IF_ERROR(metrics_->Serve(config_.metrics_listen, Sources()));
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config_.listen, std::move(credentials), &port_);
    builder.SetMaxReceiveMessageSize(4 << 20);
    // gRPC sets SO_REUSEPORT by default, so a second broker on a taken port would start and
    // share its connections with the first; it must fail to listen instead.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    builder.experimental().SetInterceptorCreators(MalformedRequestInterceptors(edge_));
    builder.RegisterService(&subject_handlers_);
    builder.RegisterService(&record_handlers_);
    builder.RegisterService(&audit_handlers_);
    builder.RegisterService(&consent_handlers_);
    builder.RegisterService(&messaging_handlers_);
    builder.RegisterService(&referral_handlers_);
    builder.RegisterService(&diagnostics_handlers_);
    builder.RegisterService(&admin_handlers_);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", config_.listen, " (address in use or not local?)"));
    }
    {
      absl::MutexLock lock(&health_mu_);
      health_ = server_->GetHealthCheckService();
    }
    if (!config_.adapters_listen.empty()) {
      ASSIGN_OR_RETURN(https_, HttpsListener::Start(config_, edge_, adapter_calls_));
    }
    // Health follows the storage: NOT_SERVING while it fails.
    storage_->set_observer([this](StorageCondition condition) {
      absl::MutexLock lock(&health_mu_);
      if (health_ != nullptr) health_->SetServingStatus(condition == StorageCondition::kHealthy);
    });
    ticker_ = std::thread([this] { Tick(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int metrics_port() const override { return metrics_->port(); }
  int adapters_port() const override { return https_ ? https_->port() : 0; }
  std::string policy_version() const override {
    return domain_.policies().Current()->version();
  }

  absl::Status ReloadPolicy() override { return domain_.policy_admin().Reload().status(); }

  void Shutdown(absl::Duration grace) override {
    if (server_ == nullptr) return;
    messaging_handlers_.EndSubscriptions();
    if (https_) https_->Stop();
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(grace));
    server_->Wait();
    {
      absl::MutexLock lock(&health_mu_);
      health_ = nullptr;
    }
    server_.reset();
    {
      std::lock_guard<std::mutex> lock(tick_mu_);
      stopping_ = true;
    }
    tick_cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    executor_.Shutdown();  // handed-off work may still read or write: before storage closes
    metrics_->StopServing();
    storage_->Close();
  }

  ~BrokerImpl() override { Shutdown(absl::Seconds(5)); }

  // While the storage fails, only look for its recovery: the rest would fail too, every tick.
  void RunPeriodicWork() override {
    if (storage_->Recheck()) periodic_.RunOnce();
  }

 private:
  // What the metrics read at each scrape.
  ScrapeSources Sources() {
    ScrapeSources sources;
    sources.storage = storage_.get();
    sources.clock = &clock_;
    for (const AgencyConfig& a : config_.agencies) sources.agencies.push_back(a.id);
    sources.open_streams = [this] { return messaging_handlers_.OpenStreams(); };
    return sources;
  }

  // Waits on the monotonic clock: absl's timed waits take an absolute wall-clock deadline, so
  // a wall clock stepped back (NTP, or a test's moved clock) would stall the ticker.
  void Tick() {
    std::unique_lock<std::mutex> lock(tick_mu_);
    while (!tick_cv_.wait_for(lock, absl::ToChronoMilliseconds(kMessagingTick),
                              [this] { return stopping_; })) {
      lock.unlock();
      RunPeriodicWork();
      lock.lock();
    }
  }

  const BrokerConfig config_;
  const Clock& clock_;
  crypto::SystemRandom random_;
  crypto::OpaqueIds ids_{random_};
  std::unique_ptr<InProcessNotifier> notifier_;  // storage publishes to it: outlives storage
  std::unique_ptr<HealthCheckedStorage> storage_;
  // SoleReplica on SQLite; on PostgreSQL, an advisory lock elects one of the replicas.
  std::unique_ptr<LeaderElection> election_;
  std::unique_ptr<Metrics> metrics_;  // reads storage_ when scraped, until StopServing
  ThreadPool executor_;
  std::unique_ptr<Authenticator> authenticator_;
  DomainServices domain_;
  PeriodicWork periodic_;
  Edge edge_;
  SubjectHandlers subject_handlers_;
  RecordHandlers record_handlers_;
  AuditHandlers audit_handlers_;
  ConsentHandlers consent_handlers_;
  MessagingHandlers messaging_handlers_;
  ReferralHandlers referral_handlers_;
  DiagnosticsHandlers diagnostics_handlers_;
  AdminHandlers admin_handlers_;
  AdapterCalls adapter_calls_;
  std::unique_ptr<HttpsListener> https_;  // when adapters_listen is set
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex health_mu_;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(health_mu_) = nullptr;  // server_'s
  int port_ = 0;
  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;  // guarded by tick_mu_
  std::thread ticker_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(const BrokerConfig& config,
                                                      const Clock& clock, BrokerOptions options) {
  Loaded loaded;
  ASSIGN_OR_RETURN(loaded.inputs, LoadDomainInputs(config, clock));
  ASSIGN_OR_RETURN(loaded.authenticator, Authenticator::Create(config.agencies, config.broker_id));

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (options.insecure_plaintext) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ASSIGN_OR_RETURN(tls.pem_root_certs, ReadFile(config.tls_ca_file));
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(config.tls_certificate_file));
    ASSIGN_OR_RETURN(pair.private_key, ReadFile(config.tls_private_key_file));
    tls.pem_key_cert_pairs.push_back(std::move(pair));
    credentials = grpc::SslServerCredentials(tls);
  }

  loaded.metrics = Metrics::Create();
  auto notifier = std::make_unique<InProcessNotifier>();
  RETURN_IF_ERROR(OpenStorage(config, options, notifier.get(), loaded));
  ASSIGN_OR_RETURN(int64_t migrated,
                   audit::MigrateLegacyChain(*loaded.storage, *loaded.inputs.sequencer));
  if (migrated > 0) {
    Log(LogLevel::kInfo, "audit.migrated",
        {{"entries", absl::StrCat(migrated)},
         {"message", "the audit hash chain verified and is now a Merkle tree"}});
  }

  const std::string stale = config.directory.calendar().StaleWarning(
      absl::ToCivilDay(clock.Now(), absl::UTCTimeZone()), kBankHolidayHorizonDays);
  if (!stale.empty()) {
    Log(LogLevel::kWarning, "bank_holidays_ending", {{"file", config.directory_file},
                                                     {"message", stale}});
  }
  auto broker =
      std::make_unique<BrokerImpl>(config, clock, std::move(loaded), std::move(notifier),
                                   options.insecure_plaintext);
  RETURN_IF_ERROR(broker->Serve(std::move(credentials)));
  return broker;
}

}  // namespace throughcare::server
