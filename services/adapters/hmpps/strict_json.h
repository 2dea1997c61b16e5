// Strict reading of outside JSON for the HMPPS-style event codec: a parse that refuses what
// nlohmann-json would otherwise accept quietly (duplicate keys, deep nesting), and a reader of
// one object that records an error, named by its RFC 6901 JSON pointer, for every member that is
// missing, of the wrong type or not expected.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_HMPPS_STRICT_JSON_H_
#define THROUGHCARE_SERVICES_ADAPTERS_HMPPS_STRICT_JSON_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::hmpps {

// `parent` extended by one reference token, escaped as RFC 6901 says ("~" as "~0", "/" as "~1").
std::string JsonPointer(absl::string_view parent, absl::string_view token);
std::string JsonPointer(absl::string_view parent, size_t index);

// Parses `text` as one JSON document (UTF-8 checked by the parser). On failure returns nullopt
// and appends one error at the root ("") saying what and at which byte; a duplicate key or nesting
// deeper than `max_depth` is a failure too.
std::optional<nlohmann::json> ParseStrict(absl::string_view text, int max_depth,
                                          std::vector<DecodeError>& errors);

// Reads the members of one JSON object. Each getter returns nullptr (and records an error) when
// the member is required and missing or is of the wrong type; an optional missing member is
// nullptr with no error. A member whose value is null counts as missing (publishers that
// serialise with Jackson write absent optional members as null). Finish() records an error for every member no getter asked for.
// Holds references to `object` and `errors`, which must outlive it.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& object, std::string pointer,
               std::vector<DecodeError>& errors);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  // A string member of 1 to `max_length` bytes (an empty string counts as missing).
  const std::string* String(absl::string_view key, bool required, size_t max_length);
  const nlohmann::json* Object(absl::string_view key, bool required);
  const nlohmann::json* Array(absl::string_view key, bool required);
  std::optional<int64_t> Integer(absl::string_view key, bool required);

  // The pointer of a member of this object.
  std::string PointerTo(absl::string_view key) const { return JsonPointer(pointer_, key); }
  void Error(absl::string_view key, std::string reason);
  void Finish();

 private:
  const nlohmann::json* Member(absl::string_view key, bool required, const char* type_name,
                               bool (*has_type)(const nlohmann::json&));

  const nlohmann::json& object_;
  std::string pointer_;
  std::vector<DecodeError>& errors_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace throughcare::adapters::hmpps

#endif  // THROUGHCARE_SERVICES_ADAPTERS_HMPPS_STRICT_JSON_H_
