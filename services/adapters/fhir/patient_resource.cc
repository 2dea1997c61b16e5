#include "services/adapters/fhir/patient_resource.h"

#include "services/adapters/fhir/systems.h"
#include "services/adapters/fhir/values.h"

namespace throughcare::adapters::fhir {

nlohmann::ordered_json PatientResource(const v1::Subject& subject) {
  nlohmann::ordered_json patient{{"resourceType", "Patient"}};
  if (!subject.subject_id().empty()) patient["id"] = FhirId(subject.subject_id());
  nlohmann::ordered_json identifiers = nlohmann::ordered_json::array();
  for (const v1::Identifier& identifier : subject.identifiers()) {
    identifiers.push_back(
        {{"system", IdentifierSystem(identifier.kind())}, {"value", identifier.value()}});
  }
  if (!identifiers.empty()) patient["identifier"] = std::move(identifiers);
  return patient;
}

}  // namespace throughcare::adapters::fhir
