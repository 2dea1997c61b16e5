#include "services/core/in_process_notifier.h"

#include <utility>

namespace throughcare {

InProcessNotifier::InProcessNotifier() : thread_([this] { Dispatch(); }) {}

InProcessNotifier::~InProcessNotifier() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void InProcessNotifier::Notify(absl::string_view channel) {
  absl::MutexLock lock(&mu_);
  pending_.emplace(channel);
}

Notifier::Handle InProcessNotifier::Listen(std::string channel, absl::AnyInvocable<void()> fn) {
  Handle handle = 0;
  {
    absl::MutexLock lock(&mu_);
    handle = next_handle_++;
  }
  absl::MutexLock lock(&dispatch_mu_);
  listeners_.emplace(handle, Listener{std::move(channel), std::move(fn)});
  return handle;
}

void InProcessNotifier::Unlisten(Handle handle) {
  absl::MutexLock lock(&dispatch_mu_);
  listeners_.erase(handle);
}

void InProcessNotifier::Dispatch() {
  while (true) {
    std::set<std::string> channels;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](InProcessNotifier* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->pending_.empty();
          },
          this));
      if (stopping_) return;
      channels.swap(pending_);
    }
    absl::MutexLock lock(&dispatch_mu_);
    for (auto& [handle, listener] : listeners_) {
      if (channels.count(listener.channel) > 0) listener.fn();
    }
  }
}

}  // namespace throughcare
