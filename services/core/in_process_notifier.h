// The Notifier of a single broker process: notifications are queued and listeners called on
// one dispatch thread of the notifier's own, so that publishing (from a storage thread after a
// commit, or from a reaction) never waits for a listener.
#ifndef THROUGHCARE_SERVICES_CORE_IN_PROCESS_NOTIFIER_H_
#define THROUGHCARE_SERVICES_CORE_IN_PROCESS_NOTIFIER_H_

#include <cstdint>
#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "throughcare/notifier.h"

namespace throughcare {

// Thread-safe. The destructor stops the dispatch thread; notifications still queued are
// dropped (listeners look periodically anyway).
class InProcessNotifier final : public Notifier {
 public:
  InProcessNotifier();
  ~InProcessNotifier() override;
  InProcessNotifier(const InProcessNotifier&) = delete;
  InProcessNotifier& operator=(const InProcessNotifier&) = delete;

  void Notify(absl::string_view channel) override;
  Handle Listen(std::string channel, absl::AnyInvocable<void()> fn) override;
  void Unlisten(Handle handle) override;

 private:
  struct Listener {
    std::string channel;
    absl::AnyInvocable<void()> fn;
  };
  void Dispatch();

  // Held while listeners run, and by Unlisten, so that a listener never runs after Unlisten.
  absl::Mutex dispatch_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::flat_hash_map<Handle, Listener> listeners_ ABSL_GUARDED_BY(dispatch_mu_);

  absl::Mutex mu_;
  std::set<std::string> pending_ ABSL_GUARDED_BY(mu_);  // channels notified, not yet dispatched
  Handle next_handle_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_IN_PROCESS_NOTIFIER_H_
