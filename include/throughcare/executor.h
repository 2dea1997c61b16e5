// Where blocking work goes instead of a gRPC reaction or a storage completion thread: reads a
// streaming call needs next, the look into a mailbox before a lease. Reactions and `done`
// callbacks hand such work to an Executor and return at once (STYLE.md, habit 5).
#ifndef THROUGHCARE_EXECUTOR_H_
#define THROUGHCARE_EXECUTOR_H_

#include "absl/functional/any_invocable.h"

namespace throughcare {

// Thread-safe.
class Executor {
 public:
  virtual ~Executor() = default;

  // Runs `task` later on one of the executor's threads; never on the caller's. Tasks may block
  // (storage reads, WriteAndWait) but should not run for long. After the executor has begun
  // shutting down, `task` is still run (tasks release what their callers hold).
  virtual void Schedule(absl::AnyInvocable<void()> task) = 0;
};

}  // namespace throughcare

#endif  // THROUGHCARE_EXECUTOR_H_
