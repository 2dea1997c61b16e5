// Holds the policy in force. Readers take a snapshot (a shared_ptr) per decision, so a reload
// never changes the rules under a request in flight. Thread-safe.
#ifndef THROUGHCARE_SERVICES_POLICY_POLICY_STORE_H_
#define THROUGHCARE_SERVICES_POLICY_POLICY_STORE_H_

#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "services/policy/policy.h"

namespace throughcare::policy {

class PolicyStore {
 public:
  explicit PolicyStore(std::shared_ptr<const Policy> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const Policy> Current() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }
  void Replace(std::shared_ptr<const Policy> next) {
    absl::MutexLock lock(&mu_);
    current_ = std::move(next);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Policy> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughcare::policy

#endif  // THROUGHCARE_SERVICES_POLICY_POLICY_STORE_H_
