// Strict reading of outside JSON, shared by the adapters' JSON codecs (hmpps/, fhir/): RFC 6901
// JSON pointers, and a parse that refuses what nlohmann-json would otherwise accept quietly
// (a key twice in one object, which it would keep the last of; nesting without end; a number
// beyond a double). Each codec reads the parsed document with its own reader and its own rules.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_JSON_STRICT_JSON_H_
#define THROUGHCARE_SERVICES_ADAPTERS_JSON_STRICT_JSON_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/adapters/adapter.h"

namespace throughcare::adapters {

// `parent` extended by one reference token, escaped as RFC 6901 says ("~" as "~0", "/" as "~1"):
// JsonPointer("/a", "b/c") is "/a/b~1c"; the root is "".
std::string JsonPointer(absl::string_view parent, absl::string_view token);
// ... and by the index of an array element: JsonPointer("/a", 2) is "/a/2".
std::string JsonPointer(absl::string_view parent, size_t index);

// What one codec accepts.
struct StrictJsonLimits {
  size_t max_bytes;  // the longest document, in bytes
  int max_depth;     // the most objects and arrays open at once ("[[1]]" is 2)
};

// Parses `bytes` as one JSON document (RFC 8259, UTF-8, no comments). On failure returns nullopt
// and sets `error`, whose `where` is the JSON pointer of the innermost element the parser reached
// ("" for the whole document) and whose reason is one of:
//   "input is N bytes, over the limit of M bytes"                  (at "", nothing parsed)
//   "nested deeper than M levels"                    (at the object or array that would open one
//                                                     level more)
//   "the key \"K\" appears twice in one object"      (at the second one)
//   "a number out of range (its magnitude exceeds a double's)"   (1e400, -1e400)
//   "not valid JSON: syntax error at byte N: WHAT"   (WHAT as nlohmann-json says it, e.g.
//                                                     "invalid string: ill-formed UTF-8 byte",
//                                                     without the input bytes it would quote)
// Reasons never quote the input except for a duplicate key's name, and are always valid UTF-8.
std::optional<nlohmann::json> ParseStrict(absl::string_view bytes, const StrictJsonLimits& limits,
                                          DecodeError& error);

}  // namespace throughcare::adapters

#endif  // THROUGHCARE_SERVICES_ADAPTERS_JSON_STRICT_JSON_H_
