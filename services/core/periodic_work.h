// Runs the broker's periodic tasks (throughcare/periodic.h) one after another, leader-only ones
// only while the election says this replica leads, and reports what each did.
#ifndef THROUGHCARE_SERVICES_CORE_PERIODIC_WORK_H_
#define THROUGHCARE_SERVICES_CORE_PERIODIC_WORK_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "throughcare/periodic.h"

namespace throughcare {

// Thread-safe: runs do not overlap (a second caller waits for the first).
class PeriodicWork final {
 public:
  // What a run of one task did: its report, or the error it failed with.
  using Observer = std::function<void(absl::string_view task, const absl::Status& status,
                                      const PeriodicReport& report)>;

  // `election` and the tasks must outlive this. `observer` is told of every run that failed or
  // reported something.
  PeriodicWork(LeaderElection& election, Observer observer)
      : election_(election), observer_(std::move(observer)) {}

  // Tasks run in the order they were added. Not after the first RunOnce.
  void Add(PeriodicTask& task) { tasks_.push_back(&task); }

  // Runs every task once, on the caller's thread.
  void RunOnce();

 private:
  LeaderElection& election_;
  Observer observer_;
  std::vector<PeriodicTask*> tasks_;
  absl::Mutex run_mu_;  // one run at a time
};

// A task made of a function, for upkeep that needs no class of its own.
class FunctionTask final : public PeriodicTask {
 public:
  FunctionTask(std::string name, bool leader_only,
               std::function<absl::StatusOr<PeriodicReport>()> fn)
      : name_(std::move(name)), leader_only_(leader_only), fn_(std::move(fn)) {}
  absl::string_view name() const override { return name_; }
  bool leader_only() const override { return leader_only_; }
  absl::StatusOr<PeriodicReport> RunOnce() override { return fn_(); }

 private:
  std::string name_;
  bool leader_only_;
  std::function<absl::StatusOr<PeriodicReport>()> fn_;
};

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_PERIODIC_WORK_H_
