// What the resource decoders share while decoding one Bundle (internal to the FHIR adapter).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_DECODE_CONTEXT_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_DECODE_CONTEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "services/adapters/adapter.h"
#include "services/adapters/fhir/reader.h"
#include "throughcare/v1/records.pb.h"

namespace throughcare::adapters::fhir {

// One entry of the Bundle, checked at the Bundle level.
struct Entry {
  std::string where;     // pointer of the resource: "/entry/2/resource"
  std::string full_url;  // "urn:uuid:..."
  std::string type;      // resourceType
  const Json* resource;
};

struct BundleContext {
  Reader reader;
  std::vector<Entry> entries;
  std::string purpose;            // from Bundle.meta.security
  std::string patient_url;        // the Patient entry's fullUrl
  v1::Identifier person;          // from the Patient
  std::vector<std::string> gp_urls;  // Patient.generalPractitioner references

  const Entry* Find(absl::string_view full_url) const;
  // Records an error unless `reference` is the Patient's fullUrl.
  void CheckPatientReference(const std::optional<std::string>& reference,
                             const std::string& where);
};

// Each decoder reads one resource (already known to be an object of its type) and adds what it
// maps to the context or to `out`; errors go to the context's reader.
void DecodePatient(const Entry& entry, BundleContext& context, std::vector<Operation>& out);
void DecodeCondition(const Entry& entry, BundleContext& context, v1::HealthSummary& summary);
void DecodeMedicationStatement(const Entry& entry, BundleContext& context,
                               v1::HealthSummary& summary);
void DecodeMedicationRequest(const Entry& entry, BundleContext& context,
                             v1::HealthSummary& summary);
void DecodeGeneralPractitioner(const Entry& entry, BundleContext& context,
                               v1::HealthSummary& summary);
void DecodeCarePlan(const Entry& entry, BundleContext& context, std::vector<Operation>& out);
void DecodeConsent(const Entry& entry, BundleContext& context, std::vector<Operation>& out);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_DECODE_CONTEXT_H_
