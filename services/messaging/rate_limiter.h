// A token bucket per key (agency): `rate` tokens per second, at most `burst` held. Time comes
// from the injected clock. Thread-safe.
#ifndef THROUGHCARE_SERVICES_MESSAGING_RATE_LIMITER_H_
#define THROUGHCARE_SERVICES_MESSAGING_RATE_LIMITER_H_

#include <algorithm>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "throughcare/clock.h"

namespace throughcare::messaging {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, double rate_per_second, int burst)
      : clock_(clock), rate_(rate_per_second), burst_(burst) {}

  // Takes one token for `key` if there is one. A new key starts with a full bucket.
  bool TryTake(const std::string& key) {
    const absl::Time now = clock_.Now();
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = buckets_.try_emplace(key, Bucket{static_cast<double>(burst_), now});
    Bucket& b = it->second;
    if (now > b.refilled_at) {
      b.tokens =
          std::min<double>(burst_, b.tokens + absl::ToDoubleSeconds(now - b.refilled_at) * rate_);
      b.refilled_at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled_at;
  };
  const Clock& clock_;
  const double rate_;
  const int burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughcare::messaging

#endif  // THROUGHCARE_SERVICES_MESSAGING_RATE_LIMITER_H_
