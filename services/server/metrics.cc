#include "services/server/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"

namespace throughcare::server {
namespace {

// Reads the storage's group-commit counters when scraped.
class StorageCollector final : public prometheus::Collectable {
 public:
  StorageCollector(Storage& storage, const Clock& clock) : storage_(storage), clock_(clock) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    StorageStats stats = storage_.Stats();
    std::vector<prometheus::MetricFamily> families = {
        Counter("throughcare_storage_commits_total", "Durable storage commits.", stats.commits),
        Counter("throughcare_storage_transactions_total",
                "Write transactions committed; divided by commits, the group-commit batch size.",
                stats.transactions),
        Counter("throughcare_messages_accepted_total",
                "Records messages accepted (by Send or with a referral), durably.",
                stats.records_messages),
        Counter("throughcare_message_commits_total",
                "Commits that accepted at least one message; messages accepted divided by this "
                "is messages per commit.",
                stats.records_message_commits)};
    // Read at each scrape; a failed read leaves the referral gauges out of this scrape.
    std::vector<OpenReferralCount> counts;
    absl::Status read = storage_.Read([&](ReadTx& tx) -> absl::Status {
      absl::StatusOr<std::vector<OpenReferralCount>> got = tx.CountOpenReferrals(clock_.Now());
      if (!got.ok()) return got.status();
      counts = *std::move(got);
      return absl::OkStatus();
    });
    if (read.ok()) {
      prometheus::MetricFamily open{"throughcare_referrals_open",
                                    "Referrals not yet in a final state, by referral type.",
                                    prometheus::MetricType::Gauge, {}};
      prometheus::MetricFamily overdue{
          "throughcare_referrals_overdue",
          "Open referrals with a deadline escalated or passed unmet, by referral type.",
          prometheus::MetricType::Gauge, {}};
      for (const OpenReferralCount& c : counts) {
        open.metric.push_back(Gauge("referral_type", c.referral_type, c.open));
        overdue.metric.push_back(Gauge("referral_type", c.referral_type, c.overdue));
      }
      families.push_back(std::move(open));
      families.push_back(std::move(overdue));
    }
    return families;
  }

 private:
  static prometheus::MetricFamily Counter(const char* name, const char* help, int64_t value) {
    prometheus::MetricFamily family{name, help, prometheus::MetricType::Counter, {}};
    prometheus::ClientMetric metric;
    metric.counter.value = static_cast<double>(value);
    family.metric.push_back(metric);
    return family;
  }
  static prometheus::ClientMetric Gauge(const std::string& label, const std::string& value,
                                        int64_t n) {
    prometheus::ClientMetric metric;
    metric.label.push_back({label, value});
    metric.gauge.value = static_cast<double>(n);
    return metric;
  }

  Storage& storage_;
  const Clock& clock_;
};

class PrometheusMetrics final : public Metrics {
 public:
  PrometheusMetrics(Storage& storage, const Clock& clock)
      : registry_(std::make_shared<prometheus::Registry>()),
        storage_collector_(std::make_shared<StorageCollector>(storage, clock)),
        calls_(prometheus::BuildCounter()
                   .Name("throughcare_rpcs_total")
                   .Help("RPCs finished, by method and status code.")
                   .Register(*registry_)),
        durations_(prometheus::BuildHistogram()
                       .Name("throughcare_rpc_duration_seconds")
                       .Help("RPC latency from arrival to reply, by method.")
                       .Register(*registry_)) {}

  absl::Status Serve(const std::string& listen) {
    if (listen.empty()) return absl::OkStatus();
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
    }
    exposer_->RegisterCollectable(registry_);
    exposer_->RegisterCollectable(storage_collector_);
    return absl::OkStatus();
  }

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

  int port() const override {
    if (exposer_ == nullptr) return 0;
    auto ports = exposer_->GetListeningPorts();
    return ports.empty() ? 0 : ports.front();
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<StorageCollector> storage_collector_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& durations_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Start(const std::string& listen,
                                                        Storage& storage, const Clock& clock) {
  auto metrics = std::make_unique<PrometheusMetrics>(storage, clock);
  absl::Status serving = metrics->Serve(listen);
  if (!serving.ok()) return serving;
  return metrics;
}

}  // namespace throughcare::server
