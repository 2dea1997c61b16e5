#include "tests/crash/broker_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "throughcare/status_macros.h"

namespace throughcare::crash {
namespace {

// Forks and execs `argv` with stdout and stderr on `output_path`. Everything the child needs is
// prepared before the fork: the harness has threads (gRPC's among them), so between fork and
// exec the child may only make async-signal-safe calls.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& output_path,
                            bool append) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
  const pid_t parent = getpid();
  const std::string exec_failed = absl::StrCat("cannot execute ", argv[0], "\n");

  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    // A harness killed by a timeout must not leave a broker behind holding the port.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int out = open(output_path.c_str(), flags, 0600);
    if (out < 0) _exit(127);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    // The harness's own sockets must not live on in the broker.
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execv(args[0], args.data());
    write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    _exit(127);
  }
  return pid;
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

bool CanBindLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<int> FreeListenPort() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  if (ephemeral_low <= 2048) return absl::InternalError("no ports below the ephemeral range");
  std::mt19937 rng{std::random_device()()};
  std::uniform_int_distribution<int> pick(std::max(1024, ephemeral_low - 10000), ephemeral_low - 1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int port = pick(rng);
    if (CanBindLoopback(port)) return port;
  }
  return absl::UnavailableError("no free loopback port below the ephemeral range");
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(wait_status), " (",
                        strsignal(WTERMSIG(wait_status)), ")");
  }
  return absl::StrCat("ended with wait status ", wait_status);
}

BrokerProcess::BrokerProcess(std::vector<std::string> argv, std::string log_path)
    : argv_(std::move(argv)), log_path_(std::move(log_path)) {}

BrokerProcess::~BrokerProcess() {
  if (pid_ > 0) Kill().IgnoreError();
}

absl::Status BrokerProcess::Start() {
  if (pid_ > 0) return absl::FailedPreconditionError("the broker is already running");
  ++starts_;
  {
    std::ofstream log(log_path_, std::ios::app);
    log << "=== crash harness: start " << starts_ << " at "
        << absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone()) << ": "
        << absl::StrJoin(argv_, " ") << "\n";
  }
  absl::StatusOr<pid_t> pid = Spawn(argv_, log_path_, /*append=*/true);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return absl::OkStatus();
}

absl::Status BrokerProcess::Kill() {
  if (pid_ <= 0) return absl::FailedPreconditionError("the broker is not running");
  if (kill(pid_, SIGKILL) != 0) return absl::InternalError(absl::StrCat("kill: ", strerror(errno)));
  WaitFor(pid_);
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status BrokerProcess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return absl::FailedPreconditionError("the broker is not running");
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (absl::Now() > deadline) {
      RETURN_IF_ERROR(Kill());
      return absl::DeadlineExceededError(absl::StrCat(
          "the broker did not exit within ", absl::FormatDuration(grace), " of SIGTERM; killed"));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("the broker, stopped with SIGTERM, ", DescribeWaitStatus(status)));
}

absl::Status BrokerProcess::CheckRunning() {
  if (pid_ <= 0) return absl::UnavailableError("the broker is not running");
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return absl::OkStatus();
  pid_ = -1;
  return absl::UnavailableError(absl::StrCat("the broker ", DescribeWaitStatus(status)));
}

absl::StatusOr<int> RunCommand(const std::vector<std::string>& argv,
                               const std::string& output_path) {
  absl::StatusOr<pid_t> pid = Spawn(argv, output_path, /*append=*/false);
  if (!pid.ok()) return pid.status();
  const int status = WaitFor(*pid);
  if (!WIFEXITED(status)) {
    return absl::InternalError(absl::StrCat(argv[0], " ", DescribeWaitStatus(status)));
  }
  if (WEXITSTATUS(status) == 127) {
    return absl::InternalError(absl::StrCat("cannot run ", argv[0], " (see ", output_path, ")"));
  }
  return WEXITSTATUS(status);
}

}  // namespace throughcare::crash
