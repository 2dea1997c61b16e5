#include "services/server/validate_common.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace validation {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status Required(absl::string_view field) { return Invalid(field, "required"); }

absl::Status MaxLength(const std::string& value, size_t max, absl::string_view field) {
  if (value.size() > max) return Invalid(field, absl::StrCat("at most ", max, " characters"));
  return absl::OkStatus();
}

absl::Status Text(const std::string& value, absl::string_view field, bool required, size_t max) {
  if (value.empty() && required) return Required(field);
  return MaxLength(value, max, field);
}

absl::Status Date(const std::string& value, absl::string_view field, bool required) {
  if (value.empty()) return required ? Required(field) : absl::OkStatus();
  absl::CivilDay day;
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day) ||
      absl::FormatCivilTime(day) != value) {
    return Invalid(field, "expected a date as YYYY-MM-DD");
  }
  return absl::OkStatus();
}

namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds (as protobuf's time_util bounds
// them).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

}  // namespace

absl::StatusOr<absl::Time> TimestampField(const google::protobuf::Timestamp& t,
                                          absl::string_view field) {
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    return Invalid(field, absl::StrCat("nanos must be from 0 to 999999999 (got ", t.nanos(), ")"));
  }
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds) {
    return Invalid(field, absl::StrCat("must be from 0001-01-01T00:00:00Z to "
                                       "9999-12-31T23:59:59Z (got ",
                                       t.seconds(), " seconds since 1970)"));
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::StatusOr<std::optional<absl::Time>> OptionalTimestampField(
    bool has, const google::protobuf::Timestamp& t, absl::string_view field) {
  if (!has) return std::nullopt;
  ASSIGN_OR_RETURN(absl::Time time, TimestampField(t, field));
  return time;
}

absl::Status EnumValue(int value, const google::protobuf::EnumDescriptor& type,
                       absl::string_view field, bool required) {
  if (value == 0 && required) return Required(field);
  if (type.FindValueByNumber(value) != nullptr) return absl::OkStatus();
  std::vector<std::string> known;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) known.push_back(type.value(i)->name());
  }
  return Invalid(field, absl::StrCat("unknown value ", value, " (expected one of: ",
                                     absl::StrJoin(known, ", "), ")"));
}

absl::Status MaxCount(int size, int max, absl::string_view field) {
  if (size > max) return Invalid(field, absl::StrCat("at most ", max, " (got ", size, ")"));
  return absl::OkStatus();
}

absl::Status KnownAgency(const std::string& id, absl::string_view field,
                         const AgencyKindLookup& agencies) {
  if (id.empty()) return Required(field);
  RETURN_IF_ERROR(MaxLength(id, kMaxNameLength, field));
  if (!agencies(id).ok()) {
    return Invalid(field, absl::StrCat("unknown agency '", id,
                                       "': none of that id is registered with the broker"));
  }
  return absl::OkStatus();
}

absl::Status DeclaredIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                         absl::string_view field, absl::string_view what,
                         const std::vector<std::string>& declared, bool required) {
  if (ids.empty() && required) return Invalid(field, "at least one is required");
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < ids.size(); ++i) {
    std::string f = absl::StrCat(field, "[", i, "]");
    RETURN_IF_ERROR(MaxLength(ids[i], kMaxNameLength, f));
    if (std::find(declared.begin(), declared.end(), ids[i]) == declared.end()) {
      return Invalid(f, absl::StrCat("unknown ", what, " '", ids[i], "' (expected one of: ",
                                     absl::StrJoin(declared, ", "), ")"));
    }
    if (!seen.insert(ids[i]).second) return Invalid(f, "given twice");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> ValidateDuration(bool has, const google::protobuf::Duration& d,
                                                absl::Duration min, absl::Duration max,
                                                absl::Duration fallback, absl::string_view field) {
  if (!has) return fallback;
  if (d.nanos() < 0 || d.nanos() >= 1000000000 || d.seconds() < 0) {
    return Invalid(field, "must be a non-negative duration");
  }
  const absl::Duration value = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (value < min || value > max) {
    return Invalid(field, absl::StrCat("must be from ", absl::FormatDuration(min), " to ",
                                       absl::FormatDuration(max), " (got ",
                                       absl::FormatDuration(value), ")"));
  }
  return value;
}

namespace {

bool IsKeyChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

}  // namespace

absl::Status ValidateIdempotencyKey(const std::string& key, absl::string_view what) {
  if (key.empty()) {
    return Invalid("idempotency_key", absl::StrCat("required: a key unique to this ", what,
                                                   ", so that a retry is not carried out twice"));
  }
  if (key.size() > 128 || !std::all_of(key.begin(), key.end(), IsKeyChar)) {
    return Invalid("idempotency_key", "must be 1-128 of [A-Za-z0-9._:-]");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ValidatePageSize(const v1::PageRequest& page) {
  const int size = page.page_size();
  if (size < 0 || size > 1000) return Invalid("page.page_size", "must be between 0 and 1000");
  return size == 0 ? 100 : size;
}

absl::StatusOr<int64_t> ValidateSeqPageToken(const v1::PageRequest& page) {
  int64_t after_seq = 0;
  if (!page.page_token().empty() &&
      (page.page_token().size() > 20 || !absl::SimpleAtoi(page.page_token(), &after_seq) ||
       after_seq < 0)) {
    return Invalid("page.page_token", "not a token returned by this call");
  }
  return after_seq;
}

}  // namespace validation

using validation::Invalid;
using validation::MaxLength;
using validation::Required;

absl::Status ValidatePurpose(const std::string& purpose, const policy::Policy& policy) {
  if (purpose.empty()) {
    return Invalid("purpose", absl::StrCat("required: declare a purpose of use (one of: ",
                                           absl::StrJoin(policy.purposes(), ", "), ")"));
  }
  RETURN_IF_ERROR(MaxLength(purpose, validation::kMaxNameLength, "purpose"));
  if (!policy.HasPurpose(purpose)) {
    return Invalid("purpose", absl::StrCat("unknown purpose '", purpose, "' (expected one of: ",
                                           absl::StrJoin(policy.purposes(), ", "), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateOpaqueId(const std::string& id, absl::string_view prefix,
                              absl::string_view field) {
  if (id.empty()) return Required(field);
  bool ok = id.size() == prefix.size() + 1 + 26 &&
            absl::string_view(id).substr(0, prefix.size()) == prefix && id[prefix.size()] == '_';
  for (size_t i = prefix.size() + 1; ok && i < id.size(); ++i) {
    char c = id[i];
    ok = (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat("malformed id (expected '", prefix,
                                       "_' and 26 base32 characters)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSubjectId(const std::string& id, absl::string_view field) {
  return ValidateOpaqueId(id, "sub", field);
}

absl::Status ValidateRecordId(const std::string& id, absl::string_view field) {
  return ValidateOpaqueId(id, "rec", field);
}

absl::Status ValidateBreakGlassReason(const std::string& reason) {
  return MaxLength(reason, 2000, "break_glass_reason");
}

}  // namespace throughcare::server
