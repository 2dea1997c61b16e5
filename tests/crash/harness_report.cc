#include "tests/crash/harness_report.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "client/grpc_status.h"

namespace throughcare::crash {
namespace {

// gRPC's own error lines: "E1122 22:11:55.435738250 ...".
bool IsGrpcError(absl::string_view line) {
  return line.size() > 5 && line[0] == 'E' && absl::ascii_isdigit(line[1]) &&
         absl::ascii_isdigit(line[4]);
}

// The value of `key` in a logfmt line, or "".
std::string LogField(const std::string& line, absl::string_view key) {
  const std::string prefix = absl::StrCat(" ", key, "=");
  const size_t at = line.find(prefix);
  if (at == std::string::npos) return "";
  const size_t start = at + prefix.size();
  return line.substr(start, line.find(' ', start) - start);
}

}  // namespace

void CodeCounts::Add(grpc::StatusCode code) {
  absl::MutexLock lock(&mu_);
  ++counts_[client::GrpcCodeName(code)];
}

std::string CodeCounts::ToString() const {
  absl::MutexLock lock(&mu_);
  if (counts_.empty()) return "none";
  return absl::StrJoin(counts_, ", ", absl::PairFormatter(" "));
}

std::string SummarizeLog(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, int> counts;
  for (std::string line; std::getline(in, line);) {
    if (IsGrpcError(line)) ++counts["gRPC error"];
    const std::string level = LogField(line, "level");
    if (level != "warning" && level != "error") continue;
    const std::string event = LogField(line, "event");
    ++counts[event == "rpc" ? absl::StrCat(level, " rpc ", LogField(line, "method"), " ",
                                           LogField(line, "code"))
                            : absl::StrCat(level, " ", event)];
  }
  if (counts.empty()) return "none";
  return absl::StrJoin(counts, ", ", absl::PairFormatter(" x"));
}

std::string ListSome(const std::vector<std::string>& items) {
  std::vector<std::string> some(items.begin(), items.begin() + std::min(items.size(), kListAtMost));
  return absl::StrCat(absl::StrJoin(some, "; "), items.size() > kListAtMost ? "; ..." : "");
}

}  // namespace throughcare::crash
