#include "services/adapters/fhir/systems.h"

#include "absl/strings/str_cat.h"

namespace throughcare::adapters::fhir {

using nlohmann::ordered_json;

ordered_json MakeCoding(absl::string_view system, absl::string_view code) {
  return ordered_json{{"system", std::string(system)}, {"code", std::string(code)}};
}

ordered_json PurposeCoding(absl::string_view purpose) {
  if (purpose == "direct_care") return MakeCoding(kActReasonSystem, "TREAT");
  return MakeCoding(kPurposeSystem, purpose);
}

std::optional<std::string> PurposeFromCoding(absl::string_view system, absl::string_view code) {
  if (system == kActReasonSystem && code == "TREAT") return "direct_care";
  if (system == kPurposeSystem) return std::string(code);
  return std::nullopt;
}

std::string IdentifierSystem(v1::IdentifierKind kind) {
  switch (kind) {
    case v1::IDENTIFIER_KIND_NHS_NUMBER:
      return kNhsNumberSystem;
    case v1::IDENTIFIER_KIND_PNC:
      return "urn:throughcare:identifier:pnc";
    case v1::IDENTIFIER_KIND_NOMS:
      return "urn:throughcare:identifier:noms";
    case v1::IDENTIFIER_KIND_CRN:
      return "urn:throughcare:identifier:crn";
    case v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF:
      return "urn:throughcare:identifier:la-reference";
    default:
      return "urn:throughcare:identifier:unspecified";
  }
}

}  // namespace throughcare::adapters::fhir
