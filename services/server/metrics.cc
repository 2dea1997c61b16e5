#include "services/server/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "throughcare/version.h"

namespace throughcare::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric Value(MetricType type, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

MetricFamily Single(const char* name, const char* help, MetricType type, double value) {
  return MetricFamily{name, help, type, {Value(type, value)}};
}

// One gauge per agency, 0 for those `values` leaves out.
MetricFamily PerAgency(const char* name, const char* help, const std::vector<std::string>& agencies,
                       const std::map<std::string, double>& values) {
  MetricFamily family{name, help, MetricType::Gauge, {}};
  for (const std::string& agency : agencies) {
    auto it = values.find(agency);
    family.metric.push_back(
        Value(MetricType::Gauge, it == values.end() ? 0 : it->second, {{"agency", agency}}));
  }
  return family;
}

// What the metrics read at each scrape: the storage's counters and health, and gauges read from
// it (referrals, mailboxes), and the open Subscribe streams.
class ScrapeCollector final : public prometheus::Collectable {
 public:
  explicit ScrapeCollector(ScrapeSources sources) : sources_(std::move(sources)) {}

  std::vector<MetricFamily> Collect() const override {
    HealthCheckedStorage& storage = *sources_.storage;
    StorageStats stats = storage.Stats();
    std::vector<MetricFamily> families = {
        Single("throughcare_storage_commits_total", "Durable storage commits.",
               MetricType::Counter, stats.commits),
        Single("throughcare_storage_transactions_total",
               "Write transactions committed; divided by commits, the group-commit batch size.",
               MetricType::Counter, stats.transactions),
        Single("throughcare_messages_accepted_total",
               "Records messages accepted (by Send or with a referral), durably.",
               MetricType::Counter, stats.records_messages),
        Single("throughcare_message_commits_total",
               "Commits that accepted at least one message; messages accepted divided by this "
               "is messages per commit.",
               MetricType::Counter, stats.records_message_commits)};
    AddStorageHealth(storage, families);
    AddStreams(families);
    // Read at each scrape; a failed read leaves these gauges out of this scrape.
    std::vector<OpenReferralCount> referrals;
    std::map<std::string, MailboxDepth> mailboxes;
    const absl::Time now = sources_.clock->Now();
    absl::Status read = storage.Read([&](ReadTx& tx) -> absl::Status {
          absl::StatusOr<std::vector<OpenReferralCount>> counts = tx.CountOpenReferrals(now);
          if (!counts.ok()) return counts.status();
          referrals = *std::move(counts);
          for (const std::string& agency : sources_.agencies) {
            absl::StatusOr<MailboxDepth> depth = tx.GetMailboxDepth(agency);
            if (!depth.ok()) return depth.status();
            mailboxes[agency] = *depth;
          }
          return absl::OkStatus();
        });
    if (read.ok()) {
      AddReferrals(referrals, families);
      AddMailboxes(mailboxes, now, families);
    }
    return families;
  }

 private:
  static void AddStorageHealth(const HealthCheckedStorage& storage,
                               std::vector<MetricFamily>& families) {
    const StorageCondition condition = storage.condition();
    families.push_back(Single("throughcare_storage_healthy",
                              "1 while the storage works, 0 while it fails (health NOT_SERVING).",
                              MetricType::Gauge, condition == StorageCondition::kHealthy));
    families.push_back(Single("throughcare_storage_full",
                              "1 while the disk holding the storage is full, else 0.",
                              MetricType::Gauge, condition == StorageCondition::kFull));
    MetricFamily failures{"throughcare_storage_failures_total",
                          "Storage writes and reads that failed, by the condition they showed.",
                          MetricType::Counter, {}};
    for (StorageCondition c :
         {StorageCondition::kFull, StorageCondition::kFailing, StorageCondition::kCorrupt}) {
      failures.metric.push_back(Value(MetricType::Counter, storage.failures(c),
                                      {{"condition", StorageConditionName(c)}}));
    }
    families.push_back(std::move(failures));
  }

  void AddStreams(std::vector<MetricFamily>& families) const {
    std::map<std::string, double> open;
    if (sources_.open_streams) {
      for (const auto& [agency, n] : sources_.open_streams()) open[agency] = n;
    }
    families.push_back(PerAgency("throughcare_subscribe_streams_open",
                                 "Open Subscribe streams, by agency.", sources_.agencies, open));
  }

  static void AddReferrals(const std::vector<OpenReferralCount>& counts,
                           std::vector<MetricFamily>& families) {
    MetricFamily open{"throughcare_referrals_open",
                      "Referrals not yet in a final state, by referral type.",
                      MetricType::Gauge, {}};
    MetricFamily overdue{
        "throughcare_referrals_overdue",
        "Open referrals with a deadline escalated or passed unmet, by referral type.",
        MetricType::Gauge, {}};
    for (const OpenReferralCount& c : counts) {
      open.metric.push_back(
          Value(MetricType::Gauge, c.open, {{"referral_type", c.referral_type}}));
      overdue.metric.push_back(
          Value(MetricType::Gauge, c.overdue, {{"referral_type", c.referral_type}}));
    }
    families.push_back(std::move(open));
    families.push_back(std::move(overdue));
  }

  void AddMailboxes(const std::map<std::string, MailboxDepth>& mailboxes, absl::Time now,
                    std::vector<MetricFamily>& families) const {
    std::map<std::string, double> depth;
    std::map<std::string, double> age;
    for (const auto& [agency, d] : mailboxes) {
      depth[agency] = static_cast<double>(d.open);
      if (d.oldest_sent_at.has_value()) {
        age[agency] = std::max(0.0, absl::ToDoubleSeconds(now - *d.oldest_sent_at));
      }
    }
    families.push_back(PerAgency("throughcare_mailbox_depth",
                                 "Open (pending or leased) deliveries in each agency's mailbox.",
                                 sources_.agencies, depth));
    families.push_back(PerAgency(
        "throughcare_mailbox_oldest_age_seconds",
        "Seconds since the message of the oldest open delivery in each mailbox was sent.",
        sources_.agencies, age));
  }

  const ScrapeSources sources_;
};

const char* EndedStateName(DeliveryState state) {
  switch (state) {
    case DeliveryState::kWithheld:
      return "withheld";
    case DeliveryState::kExpired:
      return "expired";
    case DeliveryState::kDeadLettered:
      return "dead_lettered";
    default:
      return nullptr;
  }
}

class PrometheusMetrics final : public Metrics {
 public:
  PrometheusMetrics()
      : registry_(std::make_shared<prometheus::Registry>()),
        calls_(prometheus::BuildCounter()
                   .Name("throughcare_rpcs_total")
                   .Help("RPCs finished, by method and status code.")
                   .Register(*registry_)),
        durations_(prometheus::BuildHistogram()
                       .Name("throughcare_rpc_duration_seconds")
                       .Help("RPC latency from arrival to reply, by method.")
                       .Register(*registry_)),
        ended_(prometheus::BuildCounter()
                   .Name("throughcare_deliveries_ended_total")
                   .Help("Deliveries that ended without an ack: withheld by the policy, expired, "
                         "or dead-lettered.")
                   .Register(*registry_)),
        commit_durations_(prometheus::BuildHistogram()
                              .Name("throughcare_storage_commit_duration_seconds")
                              .Help("Durable storage commits, from BEGIN to the end of COMMIT "
                                    "(its fsync included).")
                              .Register(*registry_)
                              .Add({}, prometheus::Histogram::BucketBoundaries{
                                           0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})) {
    for (DeliveryState s :
         {DeliveryState::kWithheld, DeliveryState::kExpired, DeliveryState::kDeadLettered}) {
      ended_.Add({{"state", EndedStateName(s)}});  // present, at 0, from the start
    }
    prometheus::BuildGauge()
        .Name("throughcare_build_info")
        .Help("1, labelled with the broker's version and the commit it was built from.")
        .Register(*registry_)
        .Add({{"version", std::string(Version())}, {"commit", std::string(BuildCommit())}})
        .Set(1);
  }

  ~PrometheusMetrics() override { StopServing(); }

  absl::Status Serve(const std::string& listen, ScrapeSources sources) override {
    if (listen.empty()) return absl::OkStatus();
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
    }
    scrape_ = std::make_shared<ScrapeCollector>(std::move(sources));
    exposer_->RegisterCollectable(registry_);
    exposer_->RegisterCollectable(scrape_);
    return absl::OkStatus();
  }

  void StopServing() override { exposer_.reset(); }

  void RecordCall(absl::string_view method, absl::StatusCode code,
                  absl::Duration duration) override {
    std::string m(method);
    calls_.Add({{"method", m}, {"code", absl::StatusCodeToString(code)}}).Increment();
    durations_
        .Add({{"method", m}},
             prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05, 0.1, 0.25, 0.5, 1, 2.5})
        .Observe(absl::ToDoubleSeconds(duration));
  }

  void RecordDeliveryEnded(DeliveryState state) override {
    if (const char* name = EndedStateName(state)) ended_.Add({{"state", name}}).Increment();
  }

  std::function<void(absl::Duration)> CommitObserver() override {
    // The registry owns the histogram: holding it keeps the histogram alive.
    return [registry = registry_, histogram = &commit_durations_](absl::Duration d) {
      histogram->Observe(absl::ToDoubleSeconds(d));
    };
  }

  int port() const override {
    if (exposer_ == nullptr) return 0;
    auto ports = exposer_->GetListeningPorts();
    return ports.empty() ? 0 : ports.front();
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& ended_;
  prometheus::Histogram& commit_durations_;
  std::shared_ptr<ScrapeCollector> scrape_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace

std::unique_ptr<Metrics> Metrics::Create() { return std::make_unique<PrometheusMetrics>(); }

}  // namespace throughcare::server
