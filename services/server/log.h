// The one logger: structured lines in logfmt on stderr, e.g.
//   2026-11-22T19:40:01.123456Z level=info event=rpc method=/throughcare.v1.RecordService/GetRecord
//   code=OK agency=probation request_id=req_... duration_ms=1.2
// Values with spaces or quotes are quoted. Never log record contents or assertions.
#ifndef THROUGHCARE_SERVICES_SERVER_LOG_H_
#define THROUGHCARE_SERVICES_SERVER_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace throughcare::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, std::string>;

// Sets up the process logger (UTC timestamps, logfmt). Call once from main; tests may skip it.
void InitLogging(LogLevel min_level);

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields = {});
void Log(LogLevel level, absl::string_view event, absl::Span<const LogField> fields);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_LOG_H_
