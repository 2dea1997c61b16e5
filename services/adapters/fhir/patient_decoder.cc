// Patient -> the person (their NHS number) and a RegisterSubjectRequest; its generalPractitioner.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/decode_context.h"
#include "services/adapters/fhir/json_input.h"
#include "services/adapters/fhir/systems.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::adapters::fhir {
namespace {

// Demographics the broker deliberately does not keep (it keeps identifiers only): accepted and
// left out. The other R4 elements are refused.
constexpr Names kIgnored = {"id",      "meta",   "text",      "language", "name",
                            "telecom", "gender", "birthDate", "address"};

// One Patient.identifier: an NHS number, its check digit checked.
std::optional<std::string> ReadNhsNumber(const Json& value, const std::string& where,
                                         Reader& reader) {
  reader.Object(value, where, "Identifier", {"system", "value"}, {"use"});
  if (!value.is_object()) return std::nullopt;
  std::optional<std::string> system = reader.String(value, where, "system", true, 256);
  std::optional<std::string> number = reader.String(value, where, "value", true, 64);
  if (!system.has_value() || !number.has_value()) return std::nullopt;
  if (*system != kNhsNumberSystem) {
    reader.Fail(Pointer(where, "system"),
                absl::StrCat("identifier system \"", *system, "\" is not supported by this ",
                             "adapter (expected ", kNhsNumberSystem, ")"));
    return std::nullopt;
  }
  std::string at = Pointer(where, "value");
  if (number->size() != 10 ||
      !std::all_of(number->begin(), number->end(), absl::ascii_isdigit)) {
    reader.Fail(at, "an NHS number is 10 digits, without spaces");
    return std::nullopt;
  }
  absl::StatusOr<std::string> normal =
      subjects::NormalizeIdentifier(IdentifierKind::kNhsNumber, *number, at);
  if (!normal.ok()) {
    // The message starts with the field name it was given, the pointer: keep the rest.
    std::string message(normal.status().message());
    reader.Fail(at, message.substr(std::min(message.size(), at.size() + 2)));
    return std::nullopt;
  }
  return *normal;
}

void ReadGeneralPractitioners(const Json& patient, const std::string& where,
                              BundleContext& context) {
  const Json* gps = context.reader.Array(patient, where, "generalPractitioner", false, 1);
  if (gps == nullptr) return;
  std::string at = Pointer(Pointer(where, "generalPractitioner"), size_t{0});
  Reader& reader = context.reader;
  reader.Object((*gps)[0], at, "Reference", {"reference"}, {"display", "type"});
  if (!(*gps)[0].is_object()) return;
  std::optional<std::string> url = reader.String((*gps)[0], at, "reference", true, 64);
  if (!url.has_value()) return;
  const Entry* target = context.Find(*url);
  if (target == nullptr || target->type != "Organization") {
    reader.Fail(Pointer(at, "reference"),
                "must be the fullUrl of an Organization entry of this Bundle (the GP practice)");
    return;
  }
  context.gp_urls.push_back(*url);
}

}  // namespace

void DecodePatient(const Entry& entry, BundleContext& context, std::vector<Operation>& out) {
  Reader& reader = context.reader;
  const Json& patient = *entry.resource;
  reader.Object(patient, entry.where, "Patient",
                {"resourceType", "identifier", "generalPractitioner", "active"}, kIgnored);
  context.patient_url = entry.full_url;
  // active is a modifier: false says the record is not in use, which cannot be left out.
  std::optional<bool> active = reader.Boolean(patient, entry.where, "active", false);
  if (active.has_value() && !*active) {
    reader.Fail(Pointer(entry.where, "active"),
                "an inactive Patient record is not supported by this adapter");
  }
  const Json* identifiers = reader.Array(patient, entry.where, "identifier", true, 1);
  ReadGeneralPractitioners(patient, entry.where, context);
  if (identifiers == nullptr) return;
  std::optional<std::string> nhs_number = ReadNhsNumber(
      (*identifiers)[0], Pointer(Pointer(entry.where, "identifier"), size_t{0}), reader);
  if (!nhs_number.has_value()) return;
  context.person.set_kind(v1::IDENTIFIER_KIND_NHS_NUMBER);
  context.person.set_value(*nhs_number);

  // POST of a Patient registers the person; a person the broker knows already answers
  // ALREADY_EXISTS, which the listener takes as "known" (a conditional create).
  v1::RegisterSubjectRequest request;
  request.set_purpose(context.purpose);
  *request.add_identifiers() = context.person;
  Operation operation;
  operation.source = entry.where;
  operation.person = context.person;
  operation.idempotency_key = entry.full_url;
  operation.request = std::move(request);
  out.push_back(std::move(operation));
}

}  // namespace throughcare::adapters::fhir
