#include "services/server/grpc_log.h"

#include <grpc/support/log.h>

#include "absl/strings/str_cat.h"
#include "services/server/log.h"

namespace throughcare::server {
namespace {

LogLevel LevelOf(gpr_log_severity severity) {
  switch (severity) {
    case GPR_LOG_SEVERITY_DEBUG:
      return LogLevel::kDebug;
    case GPR_LOG_SEVERITY_INFO:
      return LogLevel::kInfo;
    case GPR_LOG_SEVERITY_ERROR:
      return LogLevel::kError;
  }
  return LogLevel::kInfo;
}

// The file's name without its directories: gRPC passes its build machine's source path.
absl::string_view BaseName(const char* file) {
  absl::string_view path = file != nullptr ? file : "";
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

void LogFromGrpc(gpr_log_func_args* args) {
  const absl::string_view message = args->message != nullptr ? args->message : "";
  Log(LevelOf(args->severity), "grpc",
      {{"source", absl::StrCat(BaseName(args->file), ":", args->line)},
       {"peer", PeerNamedIn(message)},
       {"message", std::string(message)}});
}

}  // namespace

std::string PeerNamedIn(absl::string_view message) {
  for (absl::string_view scheme : {"ipv4:", "ipv6:", "unix:"}) {
    const size_t at = message.find(scheme);
    if (at == absl::string_view::npos) continue;
    const size_t end = message.find_first_of(" \t\n\"',;)}", at);
    absl::string_view peer =
        message.substr(at, end == absl::string_view::npos ? end : end - at);
    while (!peer.empty() && (peer.back() == ':' || peer.back() == '.')) peer.remove_suffix(1);
    return std::string(peer);
  }
  return "";
}

void RouteGrpcLogs() { gpr_set_log_function(LogFromGrpc); }

}  // namespace throughcare::server
