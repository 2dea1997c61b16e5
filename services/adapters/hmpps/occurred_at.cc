#include "services/adapters/hmpps/occurred_at.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace throughcare::adapters::hmpps {
namespace {

// Digits at the given positions of "YYYY-MM-DDTHH:MM:SS", the form every accepted value starts
// with (absl's parser alone would take a one-digit month or a year of five digits).
bool HasFixedDigits(absl::string_view text) {
  static constexpr absl::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char c = text[i];
    if (kShape[i] == 'd' ? (c < '0' || c > '9') : c != kShape[i]) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<absl::Time> ParseOccurredAt(absl::string_view text) {
  const auto invalid = [](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        why, " (expected an ISO 8601 date-time with an offset, e.g. 2026-11-30T09:15:00Z or "
             "2026-11-30T09:15:00.5+01:00)"));
  };
  if (!HasFixedDigits(text)) return invalid("not YYYY-MM-DDTHH:MM:SS");
  // absl's parser skips white space around the value; an event has none.
  if (text.find_first_of(" \t\r\n") != absl::string_view::npos) return invalid("white space");
  // After the seconds: an optional fraction, then the offset.
  size_t offset = 19;
  if (offset < text.size() && text[offset] == '.') {
    ++offset;
    while (offset < text.size() && text[offset] >= '0' && text[offset] <= '9') ++offset;
  }
  if (offset == text.size()) return invalid("no offset from UTC");
  absl::Time instant;
  std::string error;
  // %Ez takes "Z" as well as "+hh:mm"; absl refuses out-of-range fields ("2026-02-30").
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez", std::string(text), &instant, &error)) {
    return invalid(absl::StrCat("not a valid date-time: ", error));
  }
  return instant;
}

absl::StatusOr<std::string> LondonDate(absl::Time instant) {
  static const absl::TimeZone* const london = [] {
    auto* zone = new absl::TimeZone;
    if (!absl::LoadTimeZone("Europe/London", zone)) {
      delete zone;
      return static_cast<absl::TimeZone*>(nullptr);
    }
    return zone;
  }();
  if (london == nullptr) {
    return absl::FailedPreconditionError(
        "the Europe/London time zone is not installed (Debian package tzdata)");
  }
  return absl::FormatTime("%Y-%m-%d", instant, *london);
}

std::string FormatOccurredAt(absl::Time instant) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", instant, absl::UTCTimeZone());
}

}  // namespace throughcare::adapters::hmpps
