#include "services/core/in_process_notifier.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "services/core/thread_pool.h"

namespace throughcare {
namespace {

TEST(InProcessNotifierTest, WakesTheListenersOfAChannelOnly) {
  InProcessNotifier notifier;
  absl::Notification a_woke;
  std::atomic<int> b_calls{0};
  Notifier::Handle a = notifier.Listen("a", [&] { a_woke.Notify(); });
  Notifier::Handle b = notifier.Listen("b", [&] { ++b_calls; });
  notifier.Notify("a");
  EXPECT_TRUE(a_woke.WaitForNotificationWithTimeout(absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(b_calls.load(), 0);
  notifier.Unlisten(a);
  notifier.Unlisten(b);
}

TEST(InProcessNotifierTest, NoCallAfterUnlistenReturns) {
  InProcessNotifier notifier;
  std::atomic<int> calls{0};
  Notifier::Handle h = notifier.Listen("c", [&] { ++calls; });
  for (int i = 0; i < 100; ++i) notifier.Notify("c");
  notifier.Unlisten(h);
  const int seen = calls.load();
  notifier.Notify("c");
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(calls.load(), seen);
}

TEST(ThreadPoolTest, RunsEveryTaskScheduledBeforeShutdown) {
  std::atomic<int> ran{0};
  ThreadPool pool(2);
  for (int i = 0; i < 100; ++i) {
    pool.Schedule([&] {
      ++ran;
      pool.Schedule([&] { ++ran; });  // scheduled by a task: also run
    });
  }
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 200);
  pool.Schedule([&] { ++ran; });  // after shutdown: on the caller's thread
  EXPECT_EQ(ran.load(), 201);
}

}  // namespace
}  // namespace throughcare
