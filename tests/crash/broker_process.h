// Child processes for the crash harness: the broker, run again and again with the same command
// line and killed at will, and one-off commands such as the CLI.
#ifndef THROUGHCARE_TESTS_CRASH_BROKER_PROCESS_H_
#define THROUGHCARE_TESTS_CRASH_BROKER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace throughcare::crash {

// A `throughcared` (or any long-running command) as a child process. Its stdout and stderr are
// appended to one log file, each start preceded by a marker line, so the log of every run
// survives the crashes. The child is SIGKILLed if the harness dies, so no broker outlives it.
// Not thread-safe: one thread starts and stops it.
class BrokerProcess {
 public:
  BrokerProcess(std::vector<std::string> argv, std::string log_path);
  ~BrokerProcess();  // kills a child still running

  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // Starts the command. FailedPrecondition if it is running.
  absl::Status Start();
  // SIGKILL, then reaps the child.
  absl::Status Kill();
  // SIGTERM; waits up to `grace` for a clean exit (status 0). If it is still running then, it is
  // SIGKILLed and the result is DeadlineExceeded; a non-zero exit is Internal.
  absl::Status Stop(absl::Duration grace);
  // OK while the child runs; once it has exited by itself, Unavailable saying how (reaping it).
  absl::Status CheckRunning();

  int starts() const { return starts_; }
  const std::string& log_path() const { return log_path_; }

 private:
  const std::vector<std::string> argv_;
  const std::string log_path_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// Runs `argv` to completion with stdout and stderr written to `output_path` (truncated).
// Returns its exit code; Internal if it could not be started or was killed by a signal.
absl::StatusOr<int> RunCommand(const std::vector<std::string>& argv,
                               const std::string& output_path);

// A free loopback port below the kernel's ephemeral range. While the broker is down, a client's
// connection attempt to a port inside that range may be given that very port as its source, and
// with nothing listening Linux connects the socket to itself (TCP simultaneous open); the
// restarted broker then finds its port in use.
absl::StatusOr<int> FreeListenPort();

// "exited with status 3", "killed by signal 9 (Killed)".
std::string DescribeWaitStatus(int wait_status);

}  // namespace throughcare::crash

#endif  // THROUGHCARE_TESTS_CRASH_BROKER_PROCESS_H_
