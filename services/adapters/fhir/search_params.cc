#include "services/adapters/fhir/search_params.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/adapters/fhir/systems.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::adapters::fhir {

absl::StatusOr<v1::Identifier> ParseIdentifierToken(absl::string_view token) {
  size_t bar = token.find('|');
  if (bar == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "identifier: give the system and the value, ", kNhsNumberSystem, "|NNNNNNNNNN"));
  }
  absl::string_view system = token.substr(0, bar);
  absl::string_view value = token.substr(bar + 1);
  if (system != kNhsNumberSystem) {
    return absl::InvalidArgumentError(
        absl::StrCat("identifier: only the NHS number (", kNhsNumberSystem, ") can be searched"));
  }
  if (value.size() != 10 || !std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    return absl::InvalidArgumentError("identifier: an NHS number is 10 digits, without spaces");
  }
  absl::StatusOr<std::string> normal =
      subjects::NormalizeIdentifier(IdentifierKind::kNhsNumber, value, "identifier");
  if (!normal.ok()) return normal.status();
  v1::Identifier identifier;
  identifier.set_kind(v1::IDENTIFIER_KIND_NHS_NUMBER);
  identifier.set_value(*normal);
  return identifier;
}

absl::StatusOr<std::string> ParsePatientReference(absl::string_view reference) {
  absl::string_view id = reference;
  if (!absl::ConsumePrefix(&id, "Patient/sub-") || id.empty() ||
      !std::all_of(id.begin(), id.end(), [](char c) { return absl::ascii_isalnum(c); })) {
    return absl::InvalidArgumentError(
        "patient: expected a reference \"Patient/<id>\" to a Patient this endpoint gave "
        "(its id starts \"sub-\")");
  }
  return absl::StrCat("sub_", id);
}

}  // namespace throughcare::adapters::fhir
