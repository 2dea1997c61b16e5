// A broker Subject as a FHIR R4 Patient: its identifiers only. The name and every other
// demographic are left out (the broker does not keep them), so a Patient from Throughcare says
// who the person is by the identifiers the recipient may see and nothing more.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_PATIENT_RESOURCE_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_PATIENT_RESOURCE_H_

#include "nlohmann/json.hpp"
#include "throughcare/v1/common.pb.h"

namespace throughcare::adapters::fhir {

// id: the subject id as a FHIR id (values.h FhirId); identifier: each of `subject`'s identifiers,
// the NHS number with system https://fhir.nhs.uk/Id/nhs-number, the others with Throughcare's
// urn:throughcare:identifier:<kind> systems. The caller passes a Subject with only the
// identifiers the recipient may see.
nlohmann::ordered_json PatientResource(const v1::Subject& subject);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_PATIENT_RESOURCE_H_
