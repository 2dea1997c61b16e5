#include "services/core/periodic_work.h"

namespace throughcare {

void PeriodicWork::RunOnce() {
  absl::MutexLock lock(&run_mu_);
  const bool leader = election_.IsLeader();
  for (PeriodicTask* task : tasks_) {
    if (task->leader_only() && !leader) continue;
    absl::StatusOr<PeriodicReport> report = task->RunOnce();
    if (!report.ok()) {
      observer_(task->name(), report.status(), {});
    } else if (!report->empty()) {
      observer_(task->name(), absl::OkStatus(), *report);
    }
  }
}

}  // namespace throughcare
