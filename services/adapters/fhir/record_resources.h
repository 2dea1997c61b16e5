// Canonical record bodies as FHIR R4 resources, for the delivery Bundle (internal to the FHIR
// adapter; the README's "FHIR R4" table has the mapping both ways).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_RECORD_RESOURCES_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_RECORD_RESOURCES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "throughcare/v1/records.pb.h"

namespace throughcare::adapters::fhir {

// One Bundle entry's resource with its fullUrl.
struct EncodedEntry {
  std::string full_url;
  nlohmann::ordered_json resource;
};

// A health summary: one Condition per condition (clinicalStatus active), one MedicationStatement
// per prescription (status active), an Organization for the GP, and, when the summary has notes,
// a List of them all whose note holds the notes. `patient_url` is the Patient's fullUrl; `seed`
// makes the entries' fullUrls. Returns the GP Organization's fullUrl in `gp_url` (or leaves it).
std::vector<EncodedEntry> HealthSummaryEntries(const v1::HealthSummary& summary,
                                               absl::string_view patient_url,
                                               absl::string_view seed, std::string& gp_url);

// A care plan as one CarePlan (status active, intent plan).
nlohmann::ordered_json CarePlanResource(const v1::CarePlan& plan, absl::string_view patient_url);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_RECORD_RESOURCES_H_
