// An Executor with a fixed number of threads and a queue (first in, first out).
#ifndef THROUGHCARE_SERVICES_CORE_THREAD_POOL_H_
#define THROUGHCARE_SERVICES_CORE_THREAD_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "throughcare/executor.h"

namespace throughcare {

// Thread-safe.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(int threads);
  // Shutdown().
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // After Shutdown, runs `task` at once on the caller's thread.
  void Schedule(absl::AnyInvocable<void()> task) override;

  // Runs every task already scheduled (and any they schedule), then joins the threads.
  // Idempotent; not from a task.
  void Shutdown();

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;  // the threads finish the queue and stop
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;   // joined and drained: Schedule runs inline
  absl::Mutex join_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one Shutdown at a time
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_THREAD_POOL_H_
