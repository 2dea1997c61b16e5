// Wake-ups between the parts of the broker, and later between broker replicas: a write that
// may give a receiver work (a delivery in a mailbox, a report, a notice) notifies a channel, and
// whoever listens on it looks again. A notification carries no data and may be merged with
// others or, rarely, lost (a replica restarting): listeners also look periodically.
//
// Implementations: InProcessNotifier (services/core/in_process_notifier.h) for one broker
// process; a PostgreSQL backend publishes with NOTIFY in the writing transaction and listens
// with LISTEN on a connection of its own.
#ifndef THROUGHCARE_NOTIFIER_H_
#define THROUGHCARE_NOTIFIER_H_

#include <cstdint>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"

namespace throughcare {

// Thread-safe.
class Notifier {
 public:
  using Handle = int64_t;
  virtual ~Notifier() = default;

  // Wakes the listeners of `channel`. Returns at once: listeners run later, on the notifier's
  // own thread, never on the caller's, so this may be called from any thread, a storage thread
  // or a gRPC reaction included.
  virtual void Notify(absl::string_view channel) = 0;

  // Calls `fn` after each later notification of `channel` (several notifications may lead to
  // one call). `fn` runs on the notifier's thread, one call at a time; it must be quick, must
  // not block and must not call Listen or Unlisten. Returns a handle for Unlisten.
  virtual Handle Listen(std::string channel, absl::AnyInvocable<void()> fn) = 0;

  // Stops the listener. When it returns, `fn` is not running and will not be called again, so
  // what it refers to may be destroyed. Unknown handles are ignored.
  virtual void Unlisten(Handle handle) = 0;
};

}  // namespace throughcare

#endif  // THROUGHCARE_NOTIFIER_H_
