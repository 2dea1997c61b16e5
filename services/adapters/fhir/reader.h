// Strict reading of FHIR JSON elements, collecting errors that name RFC 6901 pointers.
//
// Each resource decoder reads through one Reader: it checks an object's elements against what the
// decoder maps (read), what it accepts and leaves out (ignored: id, meta, text, ...), and what R4
// defines for the type, so that every other element is an error: "unknown element" when R4 has
// no such element, "not supported by this adapter" when R4 has it but the adapter does not map it
// (so no clinical data is dropped unnoticed). Primitive extensions ("_status") are not supported.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_READER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_READER_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::fhir {

using Json = nlohmann::json;
using Names = std::initializer_list<absl::string_view>;

// Text limits of the canonical records (records.proto): short text and free text.
inline constexpr size_t kShortText = 200;
inline constexpr size_t kLongText = 4000;

class Reader {
 public:
  void Fail(std::string where, std::string reason);
  bool ok() const { return errors_.empty(); }
  size_t error_count() const { return errors_.size(); }
  std::vector<DecodeError> TakeErrors() { return std::move(errors_); }

  // True when `value` is an object whose every element is in `read` or `ignored`; otherwise
  // records one error per other element (see above) and, if it is not an object at all, returns
  // false. `r4_type` names the type in r4_elements.h.
  bool Object(const Json& value, const std::string& where, absl::string_view r4_type, Names read,
              Names ignored = {});

  // Members of an object checked by Object(). Each returns nullopt (or nullptr) when the member
  // is absent (an error if `required`) or malformed (an error).
  //  String: a non-empty JSON string of at most `max` bytes, without leading or trailing white
  //  space.
  std::optional<std::string> String(const Json& object, const std::string& where,
                                    absl::string_view key, bool required, size_t max);
  // One of `allowed` codes; any other code is "not supported by this adapter" when it is in
  // `r4_codes` (R4's value set for the element), else "unknown code".
  std::optional<std::string> Code(const Json& object, const std::string& where,
                                  absl::string_view key, bool required, Names allowed,
                                  Names r4_codes);
  // A FHIR date of day precision, "YYYY-MM-DD", that exists on the calendar.
  std::optional<std::string> Date(const Json& object, const std::string& where,
                                  absl::string_view key, bool required);
  // A FHIR dateTime to the second with a time zone ("2026-01-31T09:00:00Z", "...+01:00").
  std::optional<google::protobuf::Timestamp> Instant(const Json& object,
                                                     const std::string& where,
                                                     absl::string_view key, bool required);
  std::optional<bool> Boolean(const Json& object, const std::string& where,
                              absl::string_view key, bool required);
  // A JSON array of 1 to `max` elements (FHIR arrays are never empty).
  const Json* Array(const Json& object, const std::string& where, absl::string_view key,
                    bool required, size_t max);
  // A JSON object member (its elements not yet checked).
  const Json* Member(const Json& object, const std::string& where, absl::string_view key,
                     bool required);

  // A CodeableConcept given by its text only: the canonical records hold names, not codes, so a
  // coding is refused rather than dropped.
  std::optional<std::string> ConceptText(const Json& object, const std::string& where,
                                         absl::string_view key, bool required, size_t max);
  // A CodeableConcept that must hold exactly one coding of `system` with one of `codes` (its
  // display and the concept's text are accepted and ignored). Returns the code.
  std::optional<std::string> ConceptCode(const Json& object, const std::string& where,
                                         absl::string_view key, bool required,
                                         absl::string_view system, Names codes);
  // The same for a CodeableConcept that is an array element.
  std::optional<std::string> ConceptCodeIn(const Json& concept, const std::string& where,
                                           absl::string_view system, Names codes);
  // A Coding with system and code (display and version ignored); returns {system, code}.
  std::optional<std::pair<std::string, std::string>> Coding(const Json& value,
                                                            const std::string& where);
  // A Reference by `reference` alone (display ignored); returns the reference.
  std::optional<std::string> ReferenceTarget(const Json& object, const std::string& where,
                                             absl::string_view key, bool required);
  // A Reference by `display` alone: a name (of a prescriber, a responsible person).
  std::optional<std::string> ReferenceDisplay(const Json& value, const std::string& where,
                                              size_t max);

 private:
  std::vector<DecodeError> errors_;
};

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_READER_H_
