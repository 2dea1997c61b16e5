// Condition, MedicationStatement, MedicationRequest and the GP's Organization -> HealthSummary.
//
// The summary holds current conditions and prescriptions: a status other than a current one is
// "not supported by this adapter" rather than stored as if current.
#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/decode_context.h"
#include "services/adapters/fhir/json_input.h"
#include "services/adapters/fhir/systems.h"

namespace throughcare::adapters::fhir {
namespace {

// Accepted and left out on every resource: the logical id, metadata, the generated narrative
// (the structured elements carry the meaning) and the sender's own business identifiers.
constexpr Names kIgnored = {"id", "meta", "text", "language", "identifier"};
constexpr size_t kMaxItems = 100;

constexpr Names kMedicationStatus = {"active",  "completed", "entered-in-error", "intended",
                                     "stopped", "on-hold",   "unknown",          "not-taken"};
constexpr Names kRequestStatus = {"active",    "on-hold", "cancelled", "completed",
                                  "entered-in-error", "stopped", "draft", "unknown"};
constexpr Names kRequestIntent = {"proposal",       "plan",           "order",
                                  "original-order", "reflex-order",   "filler-order",
                                  "instance-order", "option"};

// Dosage (one): text -> dose, timing.code.text -> frequency.
void ReadDosage(const Json& holder, const std::string& where, absl::string_view key,
                Reader& reader, v1::HealthSummary::Prescription& out) {
  const Json* dosages = reader.Array(holder, where, key, false, 1);
  if (dosages == nullptr) return;
  std::string at = Pointer(Pointer(where, key), size_t{0});
  const Json& dosage = (*dosages)[0];
  reader.Object(dosage, at, "Dosage", {"text", "timing"});
  if (!dosage.is_object()) return;
  if (auto text = reader.String(dosage, at, "text", false, kShortText)) out.set_dose(*text);
  const Json* timing = reader.Member(dosage, at, "timing", false);
  if (timing == nullptr) return;
  std::string timing_at = Pointer(at, "timing");
  reader.Object(*timing, timing_at, "Timing", {"code"});
  if (!timing->is_object()) return;
  if (auto text = reader.ConceptText(*timing, timing_at, "code", true, kShortText)) {
    out.set_frequency(*text);
  }
}

void ReadPrescriber(const Json& resource, const std::string& where, absl::string_view key,
                    Reader& reader, v1::HealthSummary::Prescription& out) {
  const Json* who = reader.Member(resource, where, key, false);
  if (who == nullptr) return;
  if (auto name = reader.ReferenceDisplay(*who, Pointer(where, key), kShortText)) {
    out.set_prescriber(*name);
  }
}

bool Room(const Entry& entry, int count, Reader& reader) {
  if (count < static_cast<int>(kMaxItems)) return true;
  reader.Fail(entry.where, absl::StrCat("a health summary holds at most ", kMaxItems,
                                        " conditions and ", kMaxItems, " prescriptions"));
  return false;
}

}  // namespace

void DecodeCondition(const Entry& entry, BundleContext& context, v1::HealthSummary& summary) {
  Reader& reader = context.reader;
  const Json& resource = *entry.resource;
  const std::string& at = entry.where;
  reader.Object(resource, at, "Condition",
                {"resourceType", "subject", "code", "onsetDateTime", "clinicalStatus"},
                kIgnored);
  context.CheckPatientReference(reader.ReferenceTarget(resource, at, "subject", true),
                                Pointer(Pointer(at, "subject"), "reference"));
  reader.ConceptCode(resource, at, "clinicalStatus", false, kConditionClinicalSystem,
                     {"active", "recurrence", "relapse"});
  std::optional<std::string> name = reader.ConceptText(resource, at, "code", true, kShortText);
  std::optional<std::string> since = reader.Date(resource, at, "onsetDateTime", false);
  if (!name.has_value() || !Room(entry, summary.conditions_size(), reader)) return;
  v1::HealthSummary::Condition* condition = summary.add_conditions();
  condition->set_name(*name);
  if (since.has_value()) condition->set_since(*since);
}

void DecodeMedicationStatement(const Entry& entry, BundleContext& context,
                               v1::HealthSummary& summary) {
  Reader& reader = context.reader;
  const Json& resource = *entry.resource;
  const std::string& at = entry.where;
  reader.Object(resource, at, "MedicationStatement",
                {"resourceType", "status", "subject", "medicationCodeableConcept", "dosage",
                 "informationSource"},
                kIgnored);
  reader.Code(resource, at, "status", true, {"active"}, kMedicationStatus);
  context.CheckPatientReference(reader.ReferenceTarget(resource, at, "subject", true),
                                Pointer(Pointer(at, "subject"), "reference"));
  v1::HealthSummary::Prescription prescription;
  std::optional<std::string> medicine =
      reader.ConceptText(resource, at, "medicationCodeableConcept", true, kShortText);
  ReadDosage(resource, at, "dosage", reader, prescription);
  ReadPrescriber(resource, at, "informationSource", reader, prescription);
  if (!medicine.has_value() || !Room(entry, summary.prescriptions_size(), reader)) return;
  prescription.set_medicine(*medicine);
  *summary.add_prescriptions() = std::move(prescription);
}

void DecodeMedicationRequest(const Entry& entry, BundleContext& context,
                             v1::HealthSummary& summary) {
  Reader& reader = context.reader;
  const Json& resource = *entry.resource;
  const std::string& at = entry.where;
  reader.Object(resource, at, "MedicationRequest",
                {"resourceType", "status", "intent", "subject", "medicationCodeableConcept",
                 "dosageInstruction", "requester"},
                kIgnored);
  reader.Code(resource, at, "status", true, {"active"}, kRequestStatus);
  reader.Code(resource, at, "intent", true, {"order", "original-order", "plan"},
              kRequestIntent);
  context.CheckPatientReference(reader.ReferenceTarget(resource, at, "subject", true),
                                Pointer(Pointer(at, "subject"), "reference"));
  v1::HealthSummary::Prescription prescription;
  std::optional<std::string> medicine =
      reader.ConceptText(resource, at, "medicationCodeableConcept", true, kShortText);
  ReadDosage(resource, at, "dosageInstruction", reader, prescription);
  ReadPrescriber(resource, at, "requester", reader, prescription);
  if (!medicine.has_value() || !Room(entry, summary.prescriptions_size(), reader)) return;
  prescription.set_medicine(*medicine);
  *summary.add_prescriptions() = std::move(prescription);
}

void DecodeGeneralPractitioner(const Entry& entry, BundleContext& context,
                               v1::HealthSummary& summary) {
  Reader& reader = context.reader;
  const Json& resource = *entry.resource;
  const std::string& at = entry.where;
  if (std::find(context.gp_urls.begin(), context.gp_urls.end(), entry.full_url) ==
      context.gp_urls.end()) {
    reader.Fail(at, "an Organization must be the Patient's generalPractitioner");
    return;
  }
  reader.Object(resource, at, "Organization", {"resourceType", "identifier", "name"}, kIgnored);
  std::optional<std::string> name = reader.String(resource, at, "name", false, kShortText);
  const Json* identifiers = reader.Array(resource, at, "identifier", true, 1);
  if (identifiers == nullptr) return;
  std::string id_at = Pointer(Pointer(at, "identifier"), size_t{0});
  const Json& identifier = (*identifiers)[0];
  reader.Object(identifier, id_at, "Identifier", {"system", "value"}, {"use"});
  if (!identifier.is_object()) return;
  std::optional<std::string> system = reader.String(identifier, id_at, "system", true, 256);
  std::optional<std::string> code = reader.String(identifier, id_at, "value", true, 16);
  if (system.has_value() && *system != kOdsCodeSystem) {
    reader.Fail(Pointer(id_at, "system"),
                absl::StrCat("the GP practice is identified by its ODS code (", kOdsCodeSystem,
                             ")"));
    return;
  }
  if (code.has_value() && !std::all_of(code->begin(), code->end(), [](char c) {
        return absl::ascii_isupper(c) || absl::ascii_isdigit(c);
      })) {
    reader.Fail(Pointer(id_at, "value"), "an ODS code is capital letters and digits");
    return;
  }
  if (!code.has_value()) return;
  summary.mutable_gp()->set_ods_code(*code);
  if (name.has_value()) summary.mutable_gp()->set_practice_name(*name);
}

}  // namespace throughcare::adapters::fhir
