#include "services/core/files.h"
#include "services/server/broker.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/audit/audit_service.h"
#include "services/audit/migrate_chain.h"
#include "services/audit/sequencer.h"
#include "services/crypto/ed25519.h"
#include "services/consent/consent_service.h"
#include "services/policy/policy_admin.h"
#include "services/crypto/aead.h"
#include "services/messaging/messaging_service.h"
#include "services/referrals/referral_service.h"
#include "services/policy/policy_store.h"
#include "services/records/record_service.h"
#include "services/server/edge.h"
#include "services/server/handlers.h"
#include "services/server/identity.h"
#include "services/server/log.h"
#include "services/server/malformed_requests.h"
#include "services/storage/sqlite_storage.h"
#include "services/subjects/subject_service.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

absl::StatusOr<std::string> LoadMasterKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::string hex(absl::StripAsciiWhitespace(text));
  if (hex.size() != 2 * crypto::kAesKeySize ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "master key ", path, ": expected ", 2 * crypto::kAesKeySize,
        " hex digits (32 random bytes), e.g. from `openssl rand -hex 32`"));
  }
  return absl::HexStringToBytes(hex);
}

// The roles agencies may grant, and the referral directory's data classes, purposes and
// supervisor roles, must all be the policy's.
absl::Status CheckAgenciesAgainstPolicy(const BrokerConfig& config, const policy::Policy& policy) {
  for (const referrals::ReferralType& t : config.directory.types()) {
    const auto missing = [&](absl::string_view what, const std::string& id) {
      return absl::InvalidArgumentError(absl::StrCat(
          config.directory_file, ": referral type '", t.id, "' names ", what, " '", id,
          "', which the policy ", config.policy_file, " does not declare"));
    };
    if (!policy.HasDataClass(t.data_class)) return missing("data class", t.data_class);
    if (!policy.HasPurpose(t.purpose)) return missing("purpose", t.purpose);
    for (const referrals::DeadlineRule& d : t.deadlines) {
      if (!policy.HasRole(d.supervisor_role)) return missing("supervisor role", d.supervisor_role);
    }
  }
  // A misspelt agency kind in the policy would silently narrow who may register identifiers or
  // start relationships.
  for (const std::string& kind : policy.agency_kinds()) {
    const auto& known = AgencyKinds();
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the policy ", config.policy_file, " names agency kind '", kind,
          "', which the broker does not know (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  for (const AgencyConfig& a : config.agencies) {
    for (const std::string& role : a.roles) {
      if (!policy.HasRole(role)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "agency '", a.id, "' may grant role '", role, "', which the policy ",
            config.policy_file, " does not declare (declared: ",
            absl::StrJoin(policy.roles(), ", "), ")"));
      }
    }
  }
  return absl::OkStatus();
}

// The audit sequencer, signing checkpoints with the configured Ed25519 key under the origin.
absl::StatusOr<std::unique_ptr<audit::Sequencer>> LoadSequencer(const BrokerConfig& config,
                                                                const Clock& clock) {
  ASSIGN_OR_RETURN(std::string pem, ReadFile(config.audit_signing_key_file));
  absl::StatusOr<std::unique_ptr<crypto::Ed25519PrivateKey>> key =
      crypto::Ed25519PrivateKey::FromPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit_signing_key_file ", config.audit_signing_key_file, ": ", key.status().message(),
        " (an Ed25519 private key, e.g. from `openssl genpkey -algorithm ed25519`)"));
  }
  return std::make_unique<audit::Sequencer>(clock, *std::move(key), config.audit_origin,
                                            config.audit_checkpoint_interval);
}

// The agencies' witness keys, by agency id.
absl::StatusOr<audit::WitnessKeys> LoadWitnessKeys(const BrokerConfig& config) {
  audit::WitnessKeys out;
  for (const AgencyConfig& a : config.agencies) {
    if (a.witness_key_file.empty()) continue;
    ASSIGN_OR_RETURN(std::string pem, ReadFile(a.witness_key_file));
    absl::StatusOr<std::string> key = crypto::Ed25519PublicKeyFromPem(pem);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("agency '", a.id, "' witness key ",
                                                     a.witness_key_file, ": ",
                                                     key.status().message()));
    }
    out[a.id] = audit::MakeVerifierKey(a.witness_name, audit::kCosignatureEd25519, *key);
  }
  return out;
}

std::map<std::string, messaging::AgencyInfo> MessagingAgencies(const BrokerConfig& config) {
  std::map<std::string, messaging::AgencyInfo> out;
  for (const AgencyConfig& a : config.agencies) out[a.id] = messaging::AgencyInfo{a.kind, a.roles};
  return out;
}

// How often the broker settles what has fallen due in messaging (expiry, expired leases) and in
// referrals (deadlines to escalate), and wakes subscribers (deliveries whose retry delay has passed, notices from other services).
constexpr absl::Duration kMessagingTick = absl::Milliseconds(100);

// The broker warns at start when the directory's bank holidays end sooner than this.
constexpr int kBankHolidayHorizonDays = 183;

// What Start loads, checks and opens before the broker is built.
struct Loaded {
  std::string master_key;
  std::shared_ptr<const policy::Policy> policy;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<audit::Sequencer> sequencer;
  audit::AuditAgencies audit_agencies;
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Metrics> metrics;
};

class BrokerImpl final : public Broker {
 public:
  BrokerImpl(const BrokerConfig& config, const Clock& clock, Loaded loaded, bool plaintext)
      : config_(config),
        storage_(std::move(loaded.storage)),
        metrics_(std::move(loaded.metrics)),
        policies_(std::move(loaded.policy)),
        authenticator_(std::move(loaded.authenticator)),
        sequencer_(std::move(loaded.sequencer)),
        audit_log_(clock, [this] { return policies_.Current()->version(); }),
        edge_(*authenticator_, policies_, clock, *metrics_, *storage_, audit_log_, plaintext),
        subject_service_(*storage_, audit_log_, policies_, clock),
        record_service_(*storage_, audit_log_, policies_, clock, std::move(loaded.master_key)),
        audit_service_(*storage_, audit_log_, policies_, clock, *sequencer_,
                       std::move(loaded.audit_agencies)),
        consent_service_(*storage_, audit_log_, policies_, clock),
        messaging_service_(*storage_, audit_log_, policies_, clock, record_service_,
                           MessagingAgencies(config), config.messaging),
        referral_service_(*storage_, audit_log_, policies_, clock, messaging_service_,
                          config_.directory),
        policy_admin_(*storage_, audit_log_, policies_, clock, config_.policy_file,
                      [this](const policy::Policy& p) {
                        return CheckAgenciesAgainstPolicy(config_, p);
                      }),
        subject_handlers_(edge_, subject_service_),
        record_handlers_(edge_, record_service_),
        audit_handlers_(edge_, audit_service_),
        consent_handlers_(edge_, consent_service_),
        messaging_handlers_(edge_, messaging_service_),
        referral_handlers_(edge_, referral_service_, config_.directory),
        diagnostics_handlers_(edge_, *storage_, *metrics_),
        admin_handlers_(edge_, policy_admin_) {
    consent_service_.set_on_withdrawn([this](WriteTx& tx, const Consent& consent) {
      return messaging_service_.OnConsentWithdrawn(tx, consent);
    });
    // Subscribers are woken by the next tick.
    record_service_.set_on_release([this](WriteTx& tx, const policy::Policy& policy,
                                          absl::string_view subject_id, absl::CivilDay date) {
      std::vector<std::string> notified;
      return referral_service_.ApplyRelease(tx, policy, subject_id, date, notified).status();
    });
    messaging_service_.set_accept_observer(
        [this](bool first_in_commit) { metrics_->RecordMessageAccepted(first_in_commit); });
  }

  absl::Status Serve(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config_.listen, std::move(credentials), &port_);
    builder.SetMaxReceiveMessageSize(4 << 20);
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
    ticker_ = std::thread([this] { Tick(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  int metrics_port() const override { return metrics_->port(); }

  absl::Status ReloadPolicy() override { return policy_admin_.Reload().status(); }

  void Shutdown(absl::Duration grace) override {
    if (server_ == nullptr) return;
    messaging_handlers_.EndSubscriptions();
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(grace));
    server_->Wait();
    server_.reset();
    {
      std::lock_guard<std::mutex> lock(tick_mu_);
      stopping_ = true;
    }
    tick_cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    storage_->Close();
  }

  ~BrokerImpl() override { Shutdown(absl::Seconds(5)); }

  void RunPeriodicWork() override {
    absl::MutexLock lock(&periodic_mu_);
    if (absl::StatusOr<AuditTreeHead> head = sequencer_->RunOnce(*storage_); !head.ok()) {
      Log(LogLevel::kWarning, "audit.sequence", {{"error", head.status().ToString()}});
    }
    absl::StatusOr<messaging::SweepResult> swept = messaging_service_.Sweep();
    if (!swept.ok()) {
      Log(LogLevel::kWarning, "messaging.sweep", {{"error", swept.status().ToString()}});
    } else if (swept->expired + swept->dead_lettered + swept->returned > 0) {
      Log(LogLevel::kInfo, "messaging.sweep",
          {{"expired", absl::StrCat(swept->expired)},
           {"dead_lettered", absl::StrCat(swept->dead_lettered)},
           {"returned", absl::StrCat(swept->returned)}});
    }
    absl::StatusOr<int> escalated = referral_service_.Sweep();
    if (!escalated.ok()) {
      Log(LogLevel::kWarning, "referrals.sweep", {{"error", escalated.status().ToString()}});
    } else if (*escalated > 0) {
      Log(LogLevel::kInfo, "referrals.sweep", {{"escalated", absl::StrCat(*escalated)}});
    }
    absl::StatusOr<int> erased = record_service_.SweepRetention();
    if (!erased.ok()) {
      Log(LogLevel::kWarning, "retention.sweep", {{"error", erased.status().ToString()}});
    } else if (*erased > 0) {
      Log(LogLevel::kInfo, "retention.sweep", {{"erased", absl::StrCat(*erased)}});
    }
    messaging_service_.SignalAll();
  }

 private:
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
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Metrics> metrics_;  // reads storage_ when scraped
  policy::PolicyStore policies_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<audit::Sequencer> sequencer_;
  audit::AuditLog audit_log_;
  Edge edge_;
  subjects::SubjectService subject_service_;
  records::RecordService record_service_;
  audit::AuditService audit_service_;
  consent::ConsentService consent_service_;
  messaging::MessagingService messaging_service_;
  referrals::ReferralService referral_service_;
  policy::PolicyAdmin policy_admin_;
  SubjectHandlers subject_handlers_;
  RecordHandlers record_handlers_;
  AuditHandlers audit_handlers_;
  ConsentHandlers consent_handlers_;
  MessagingHandlers messaging_handlers_;
  ReferralHandlers referral_handlers_;
  DiagnosticsHandlers diagnostics_handlers_;
  AdminHandlers admin_handlers_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Mutex periodic_mu_;  // one run of the periodic work at a time
  std::mutex tick_mu_;
  std::condition_variable tick_cv_;
  bool stopping_ = false;  // guarded by tick_mu_
  std::thread ticker_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(const BrokerConfig& config,
                                                      const Clock& clock, BrokerOptions options) {
  Loaded loaded;
  ASSIGN_OR_RETURN(loaded.master_key, LoadMasterKey(config.master_key_file));
  ASSIGN_OR_RETURN(loaded.sequencer, LoadSequencer(config, clock));
  ASSIGN_OR_RETURN(loaded.audit_agencies.witnesses, LoadWitnessKeys(config));
  for (const AgencyConfig& a : config.agencies) loaded.audit_agencies.names[a.id] = a.name;
  ASSIGN_OR_RETURN(loaded.policy, policy::Policy::LoadFile(config.policy_file));
  RETURN_IF_ERROR(CheckAgenciesAgainstPolicy(config, *loaded.policy));
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

  std::filesystem::path db(config.sqlite_path);
  std::error_code ec;
  std::filesystem::create_directories(db.parent_path(), ec);
  storage::SqliteOptions sqlite;
  sqlite.path = config.sqlite_path;
  sqlite.unsafe_reply_before_commit = options.unsafe_non_durable;
  ASSIGN_OR_RETURN(loaded.storage, storage::OpenSqliteStorage(sqlite));
  ASSIGN_OR_RETURN(int64_t migrated, audit::MigrateLegacyChain(*loaded.storage, *loaded.sequencer));
  if (migrated > 0) {
    Log(LogLevel::kInfo, "audit.migrated",
        {{"entries", absl::StrCat(migrated)},
         {"message", "the audit hash chain verified and is now a Merkle tree"}});
  }

  ASSIGN_OR_RETURN(loaded.metrics, Metrics::Start(config.metrics_listen, *loaded.storage, clock));
  const std::string stale = config.directory.calendar().StaleWarning(
      absl::ToCivilDay(clock.Now(), absl::UTCTimeZone()), kBankHolidayHorizonDays);
  if (!stale.empty()) {
    Log(LogLevel::kWarning, "bank_holidays_ending", {{"file", config.directory_file},
                                                     {"message", stale}});
  }
  auto broker =
      std::make_unique<BrokerImpl>(config, clock, std::move(loaded), options.insecure_plaintext);
  RETURN_IF_ERROR(broker->Serve(std::move(credentials)));
  return broker;
}

}  // namespace throughcare::server
