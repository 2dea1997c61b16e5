// ThreadSanitizer builds only. Debian's Abseil is not built with ThreadSanitizer, so the
// sanitizer cannot see absl::Mutex and CondVar synchronise: every guarded field would look
// racy. This file interposes the library's lock functions (the executable's definitions win
// over the shared library's, for every caller, gRPC's included), tells the sanitizer about each
// acquire and release, and calls the library's own function (found with dlsym(RTLD_NEXT)).
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"

namespace {

#define TC_STRINGIFY_INNER(x) #x
#define TC_STRINGIFY(x) TC_STRINGIFY_INNER(x)

// The library's own `absl::<inline namespace>::<cls>::<rest>`, by its mangled name.
template <typename Fn>
Fn Real(const char* cls, const char* rest) {
  const char* ns = TC_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string symbol = "_ZN4absl" + std::to_string(std::strlen(ns)) + ns +
                             std::to_string(std::strlen(cls)) + cls + rest;
  void* fn = dlsym(RTLD_NEXT, symbol.c_str());
  if (fn == nullptr) std::abort();
  return reinterpret_cast<Fn>(fn);
}

// The mutex is released while the library waits inside (Await, LockWhen, CondVar::Wait).
void ReleasedDuringWait(void* mu, unsigned read) {
  __tsan_mutex_pre_unlock(mu, read);
  __tsan_mutex_post_unlock(mu, read);
  __tsan_mutex_pre_lock(mu, read);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

#define TC_MANGLED(name) "Mutex", name

void Mutex::Lock() {
  static auto real = Real<void (*)(Mutex*)>(TC_MANGLED("4LockEv"));
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}
void Mutex::Unlock() {
  static auto real = Real<void (*)(Mutex*)>(TC_MANGLED("6UnlockEv"));
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}
void Mutex::ReaderLock() {
  static auto real = Real<void (*)(Mutex*)>(TC_MANGLED("10ReaderLockEv"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}
void Mutex::ReaderUnlock() {
  static auto real = Real<void (*)(Mutex*)>(TC_MANGLED("12ReaderUnlockEv"));
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}
bool Mutex::TryLock() {
  static auto real = Real<bool (*)(Mutex*)>(TC_MANGLED("7TryLockEv"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock_failed, 0);
  return locked;
}
bool Mutex::ReaderTryLock() {
  static auto real = Real<bool (*)(Mutex*)>(TC_MANGLED("13ReaderTryLockEv"));
  const unsigned flags = __tsan_mutex_read_lock | __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(this, flags);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? flags : flags | __tsan_mutex_try_lock_failed, 0);
  return locked;
}
void Mutex::LockWhen(const Condition& cond) {
  static auto real = Real<void (*)(Mutex*, const Condition&)>(
      TC_MANGLED("8LockWhenERKNS0_9ConditionE"));
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}
void Mutex::ReaderLockWhen(const Condition& cond) {
  static auto real = Real<void (*)(Mutex*, const Condition&)>(
      TC_MANGLED("14ReaderLockWhenERKNS0_9ConditionE"));
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this, cond);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}
void Mutex::Await(const Condition& cond) {
  static auto real = Real<void (*)(Mutex*, const Condition&)>(
      TC_MANGLED("5AwaitERKNS0_9ConditionE"));
  ReleasedDuringWait(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}
bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, absl::Time)>(
      TC_MANGLED("17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  ReleasedDuringWait(this, 0);
  const bool met = real(this, cond, deadline);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}
bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, absl::Duration)>(
      TC_MANGLED("16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  ReleasedDuringWait(this, 0);
  const bool met = real(this, cond, timeout);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

#undef TC_MANGLED
#define TC_MANGLED(name) "CondVar", name

void CondVar::Wait(Mutex* mu) {
  static auto real = Real<void (*)(CondVar*, Mutex*)>(TC_MANGLED("4WaitEPNS0_5MutexE"));
  ReleasedDuringWait(mu, 0);
  real(this, mu);
  __tsan_mutex_post_lock(mu, 0, 0);
}
bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  static auto real = Real<bool (*)(CondVar*, Mutex*, absl::Duration)>(
      TC_MANGLED("15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE"));
  ReleasedDuringWait(mu, 0);
  const bool timed_out = real(this, mu, timeout);
  __tsan_mutex_post_lock(mu, 0, 0);
  return timed_out;
}
bool CondVar::WaitWithDeadline(Mutex* mu, absl::Time deadline) {
  static auto real = Real<bool (*)(CondVar*, Mutex*, absl::Time)>(
      TC_MANGLED("16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE"));
  ReleasedDuringWait(mu, 0);
  const bool timed_out = real(this, mu, deadline);
  __tsan_mutex_post_lock(mu, 0, 0);
  return timed_out;
}

#undef TC_MANGLED

ABSL_NAMESPACE_END
}  // namespace absl
