// What FHIR R4 itself defines, for telling an element R4 does not know from one this adapter
// does not map (r4_elements.cc is generated from the official FHIR 4.0.1 JSON schema).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_R4_ELEMENTS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_R4_ELEMENTS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace throughcare::adapters::fhir {

// Whether `element` is an element of `type` in R4. `type` is a resource or data type the adapter
// reads, or a backbone element as the schema names it with a dot: "Bundle.Entry",
// "CarePlan.Detail", "Consent.Provision". False for any other type.
bool IsR4Element(absl::string_view type, absl::string_view element);

// Whether `name` is an R4 resource type ("Patient", "Observation", ...).
bool IsR4ResourceType(absl::string_view name);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_R4_ELEMENTS_H_
