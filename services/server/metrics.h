// The broker's Prometheus metrics, served as text at http://<metrics_listen>/metrics.
//
//   throughcare_rpcs_total{method,code}             calls finished, by method and status code
//   throughcare_rpc_duration_seconds{method}        call latency (histogram)
//   throughcare_storage_commits_total               durable commits
//   throughcare_storage_transactions_total          write transactions in them (their ratio is
//                                                   the group-commit batch size)
//   throughcare_messages_accepted_total             records messages committed (by Send or
//                                                   with a referral; from StorageStats)
//   throughcare_message_commits_total               commits that held them (messages
//                                                   accepted / this = messages per commit)
//   throughcare_referrals_open{referral_type}       referrals not yet in a final state
//   throughcare_referrals_overdue{referral_type}    open referrals with a deadline escalated or
//                                                   passed unmet (read at each scrape)
#ifndef THROUGHCARE_SERVICES_SERVER_METRICS_H_
#define THROUGHCARE_SERVICES_SERVER_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "throughcare/clock.h"
#include "throughcare/storage.h"

namespace throughcare::server {

// Thread-safe.
class Metrics {
 public:
  // Collects metrics, and serves them over HTTP on `listen` unless it is empty (port 0 picks a
  // free port). `storage` is read at each scrape, as of `clock`; both must outlive this object.
  // Unavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Metrics>> Start(const std::string& listen,
                                                        Storage& storage, const Clock& clock);
  virtual ~Metrics() = default;

  virtual void RecordCall(absl::string_view method, absl::StatusCode code,
                          absl::Duration duration) = 0;
  // The HTTP port, or 0 when not serving.
  virtual int port() const = 0;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_METRICS_H_
