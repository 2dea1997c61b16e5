#include "services/storage/internal/sqlite_encoding.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::Status CheckIdList(absl::string_view field, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (id.empty() || id.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ids must be non-empty and must not contain ','"));
    }
  }
  return absl::OkStatus();
}
std::vector<std::string> SplitIdList(const std::string& joined) {
  if (joined.empty()) return {};
  return absl::StrSplit(joined, ',');
}

absl::StatusOr<std::string> JoinRecordRefs(const std::vector<RecordRef>& refs) {
  std::vector<std::string> ids;
  for (const RecordRef& r : refs) ids.push_back(r.record_id);
  RETURN_IF_ERROR(CheckIdList("records", ids));
  return absl::StrJoin(refs, ",", [](std::string* out, const RecordRef& r) {
    absl::StrAppend(out, r.record_id, ":", r.version);
  });
}
absl::StatusOr<std::vector<RecordRef>> SplitRecordRefs(const std::string& joined) {
  std::vector<RecordRef> refs;
  for (const std::string& ref : SplitIdList(joined)) {
    size_t colon = ref.rfind(':');
    RecordRef r;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(ref).substr(colon + 1), &r.version)) {
      return absl::DataLossError(absl::StrCat("malformed stored record reference '", ref, "'"));
    }
    r.record_id = ref.substr(0, colon);
    refs.push_back(std::move(r));
  }
  return refs;
}

std::string FormatEventDate(const std::optional<absl::CivilDay>& day) {
  return day.has_value() ? absl::FormatCivilTime(*day) : "";
}
absl::StatusOr<std::optional<absl::CivilDay>> ParseEventDate(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return absl::DataLossError(absl::StrCat("malformed stored event date '", text, "'"));
  }
  return day;
}

}  // namespace throughcare::storage::sqlite_internal
