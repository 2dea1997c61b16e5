// Internal to services/storage: how the SQLite backend stores the values SQLite has no type for.
// Times are Unix microseconds, id lists are comma-joined, record references are
// "record_id:version" and event dates "YYYY-MM-DD". Pure functions, no SQLite.
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_ENCODING_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_ENCODING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "throughcare/message.h"

namespace throughcare::storage::sqlite_internal {

// ToUnixMicros saturates the infinite times to the int64 limits; map those back so that an
// open-ended time (e.g. a consent valid until InfiniteFuture) survives a round trip.
inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t us) {
  if (us == INT64_MAX) return absl::InfiniteFuture();
  if (us == INT64_MIN) return absl::InfinitePast();
  return absl::FromUnixMicros(us);
}

// Id lists are stored comma-joined. Ids never contain commas: CheckIdList refuses rather than
// corrupts if one does, and refuses empty ids, which the encoding could not tell apart from an
// empty list. InvalidArgument names `field`.
absl::Status CheckIdList(absl::string_view field, const std::vector<std::string>& ids);
std::vector<std::string> SplitIdList(const std::string& joined);

// Record refs are stored comma-joined as "record_id:version". Record ids follow the id list
// rules; the version is what follows the last ':', so a record id may itself contain ':'.
// SplitRecordRefs returns DataLoss for a malformed stored reference.
absl::StatusOr<std::string> JoinRecordRefs(const std::vector<RecordRef>& refs);
absl::StatusOr<std::vector<RecordRef>> SplitRecordRefs(const std::string& joined);

// Event dates are stored as "YYYY-MM-DD", NULL when unknown: an unknown one is formatted as "",
// to be bound to a parameter written NULLIF(?, ''). ParseEventDate returns DataLoss for a
// malformed stored date.
std::string FormatEventDate(const std::optional<absl::CivilDay>& day);
absl::StatusOr<std::optional<absl::CivilDay>> ParseEventDate(const std::string& text);

}  // namespace throughcare::storage::sqlite_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_ENCODING_H_
