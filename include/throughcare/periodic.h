// Periodic upkeep: the work that settles what falls due with time (messaging expiry and lease
// returns, referral deadlines, audit sequencing and checkpoints). Each piece is a PeriodicTask;
// PeriodicWork (services/core/periodic_work.h) runs them in turn, and only on the replica a
// LeaderElection elects when a task needs to run on one replica only. The broker's ticker runs
// them every 100 ms; tests run them at once (Broker::RunPeriodicWork) after moving a fake clock.
#ifndef THROUGHCARE_PERIODIC_H_
#define THROUGHCARE_PERIODIC_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare {

// What one run did, as log fields; empty when there was nothing to do (nothing is logged).
using PeriodicReport = std::vector<std::pair<std::string, std::string>>;

class PeriodicTask {
 public:
  virtual ~PeriodicTask() = default;
  // A short name for logs, e.g. "messaging.sweep".
  virtual absl::string_view name() const = 0;
  // Whether only the elected replica runs it (work on shared state that two replicas would do
  // twice or race on); false for work on the replica's own state, such as waking its streams.
  virtual bool leader_only() const { return true; }
  // Does what has fallen due; blocks until it is durable. Safe to run again at any time; an
  // error is logged and the task runs again at the next tick.
  virtual absl::StatusOr<PeriodicReport> RunOnce() = 0;
};

// Whether this replica is the one that runs leader-only tasks. Thread-safe.
class LeaderElection {
 public:
  virtual ~LeaderElection() = default;
  virtual bool IsLeader() = 0;
};

// The election of a broker that runs alone: always the leader.
class SoleReplica final : public LeaderElection {
 public:
  bool IsLeader() override { return true; }
};

}  // namespace throughcare

#endif  // THROUGHCARE_PERIODIC_H_
