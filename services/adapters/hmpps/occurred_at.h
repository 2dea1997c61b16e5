// The timestamps and dates of HMPPS-style events.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_HMPPS_OCCURRED_AT_H_
#define THROUGHCARE_SERVICES_ADAPTERS_HMPPS_OCCURRED_AT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughcare::adapters::hmpps {

// Parses an ISO 8601 / RFC 3339 date-time with seconds and an offset, as HMPPS events give
// `occurredAt`: "2026-11-30T09:15:00Z", "2026-11-30T09:15:00.123456+00:00". Fractions of a second
// are allowed; a missing offset (a local time that names no instant), an impossible date or time
// ("2026-02-30", "25:00") and anything after the offset are InvalidArgument with a reason.
absl::StatusOr<absl::Time> ParseOccurredAt(absl::string_view text);

// The calendar date, "YYYY-MM-DD", of `instant` in Europe/London (GMT in winter, BST in summer):
// the date a prison in England and Wales records. FailedPrecondition when the time-zone data
// (Debian's tzdata) is not installed.
absl::StatusOr<std::string> LondonDate(absl::Time instant);

// `instant` as RFC 3339 in UTC with whole seconds, "2026-11-30T09:15:00Z".
std::string FormatOccurredAt(absl::Time instant);

}  // namespace throughcare::adapters::hmpps

#endif  // THROUGHCARE_SERVICES_ADAPTERS_HMPPS_OCCURRED_AT_H_
