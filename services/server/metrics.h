// The broker's Prometheus metrics, served as text at http://<metrics_listen>/metrics.
//
// Counted as things happen:
//   throughcare_rpcs_total{method,code}             calls finished, by method and status code
//   throughcare_rpc_duration_seconds{method}        call latency (histogram)
//   throughcare_deliveries_ended_total{state}       deliveries that ended withheld, expired or
//                                                   dead_lettered (once committed)
//   throughcare_storage_commit_duration_seconds     durable commits, from BEGIN to the end of
//                                                   COMMIT with its fsync (histogram)
//   throughcare_build_info{version,commit}          1, naming the build
// Read at each scrape:
//   throughcare_storage_commits_total               durable commits
//   throughcare_storage_transactions_total          write transactions in them (their ratio is
//                                                   the group-commit batch size)
//   throughcare_messages_accepted_total             records messages committed (by Send or
//                                                   with a referral; from StorageStats)
//   throughcare_message_commits_total               commits that held them (messages
//                                                   accepted / this = messages per commit)
//   throughcare_storage_healthy                     1, or 0 while the storage fails (as health)
//   throughcare_storage_full                        1 while the disk is full, else 0
//   throughcare_storage_failures_total{condition}   failed writes and reads: full, failing,
//                                                   corrupt
//   throughcare_referrals_open{referral_type}       referrals not yet in a final state
//   throughcare_referrals_overdue{referral_type}    open referrals with a deadline escalated or
//                                                   passed unmet
//   throughcare_mailbox_depth{agency}               open (pending or leased) deliveries
//   throughcare_mailbox_oldest_age_seconds{agency}  how long ago the oldest open delivery's
//                                                   message was sent (0 when none is open)
//   throughcare_subscribe_streams_open{agency}      open Subscribe streams
#ifndef THROUGHCARE_SERVICES_SERVER_METRICS_H_
#define THROUGHCARE_SERVICES_SERVER_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/server/storage_health.h"
#include "throughcare/clock.h"
#include "throughcare/message.h"

namespace throughcare::server {

// What the metrics read at each scrape. The references must stay valid while serving.
struct ScrapeSources {
  HealthCheckedStorage* storage = nullptr;
  const Clock* clock = nullptr;
  // The agencies whose mailboxes and streams are reported (each, even with none).
  std::vector<std::string> agencies;
  // Open Subscribe streams by agency.
  std::function<std::map<std::string, int>()> open_streams;
};

// Thread-safe.
class Metrics {
 public:
  // Collects metrics; serves nothing until Serve.
  static std::unique_ptr<Metrics> Create();
  virtual ~Metrics() = default;

  // Serves them over HTTP on `listen` unless it is empty (port 0 picks a free port), reading
  // `sources` at each scrape. Unavailable if the address cannot be bound. Call once.
  virtual absl::Status Serve(const std::string& listen, ScrapeSources sources) = 0;
  // Stops serving, before what the sources refer to goes away. Idempotent.
  virtual void StopServing() = 0;

  virtual void RecordCall(absl::string_view method, absl::StatusCode code,
                          absl::Duration duration) = 0;
  // A delivery that ended withheld, expired or dead-lettered (other states are ignored).
  virtual void RecordDeliveryEnded(DeliveryState state) = 0;
  // Records each commit's duration (for storage::SqliteOptions::on_commit); usable on any thread,
  // and still safe to call after this object is gone.
  virtual std::function<void(absl::Duration)> CommitObserver() = 0;
  // The HTTP port, or 0 when not serving.
  virtual int port() const = 0;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_METRICS_H_
