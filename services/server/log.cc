#include "services/server/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "services/server/grpc_log.h"

namespace throughcare::server {
namespace {

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarning:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// A value as logfmt: quoted when it holds spaces, quotes, '=' or control characters, which are
// escaped so that nothing a caller sends can forge a log line; cut at 512 bytes.
void AppendValue(std::string& out, absl::string_view v) {
  constexpr size_t kMaxValue = 512;
  const bool cut = v.size() > kMaxValue;
  v = v.substr(0, kMaxValue);
  bool quote = v.empty() || cut;
  for (unsigned char c : v) quote = quote || c <= ' ' || c == '"' || c == '=' || c == 0x7f;
  if (!quote) {
    out.append(v.data(), v.size());
    return;
  }
  out.push_back('"');
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c < ' ' || c == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (cut) out.append("...");
  out.push_back('"');
}

}  // namespace

void InitLogging(LogLevel min_level) {
  auto logger = spdlog::stderr_logger_mt("throughcare");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(ToSpd(min_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  RouteGrpcLogs();
}

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields) {
  Log(level, event, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Log(LogLevel level, absl::string_view event, absl::Span<const LogField> fields) {
  if (!spdlog::default_logger_raw()->should_log(ToSpd(level))) return;
  std::string line = absl::StrCat("event=", event);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, " ", key, "=");
    AppendValue(line, value);
  }
  spdlog::default_logger_raw()->log(ToSpd(level), line);
}

}  // namespace throughcare::server
