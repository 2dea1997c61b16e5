// Strict parsing of the bytes of a FHIR JSON document, before anything is mapped.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_JSON_INPUT_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_JSON_INPUT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::fhir {

// The largest document the adapter reads: 1 MiB. A Bundle of a health summary with a hundred
// conditions and a hundred prescriptions is well under 200 KiB.
inline constexpr size_t kMaxDocumentBytes = 1 << 20;
// The deepest nesting of objects and arrays (a Bundle the adapter maps needs 10: a Consent's
// provision.actor[].role.coding[]).
inline constexpr int kMaxDepth = 24;

// An RFC 6901 pointer to `key` inside the object at `parent` ("~" and "/" escaped).
std::string Pointer(absl::string_view parent, absl::string_view key);
// ... and to element `index` of the array at `parent`.
std::string Pointer(absl::string_view parent, size_t index);

// Parses `bytes` as one JSON document, refusing: more than kMaxDocumentBytes (error at ""),
// anything that is not JSON or not UTF-8, a key twice in one object, nesting deeper than
// kMaxDepth. Each error names the pointer of the innermost element reached. Sets `error` and
// returns nullopt on failure.
std::optional<nlohmann::json> ParseStrict(absl::string_view bytes, DecodeError& error);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_JSON_INPUT_H_
