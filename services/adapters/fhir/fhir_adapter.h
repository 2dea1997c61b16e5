// The "fhir-r4" format: FHIR R4 (UK Core identifiers), JSON only, as a pure codec (adapter.h has
// the contract; the README's "FHIR R4" section the mapping table and what is refused).
//
// Decode: one `transaction` or `batch` Bundle (bundle_decoder.h) about one person, named by the
// Patient's NHS number. Every entry is a POST with a urn:uuid: fullUrl, and every resource
// names the Patient by that fullUrl. It gives, in this order:
//   - the Patient: a RegisterSubjectRequest with its NHS number (ALREADY_EXISTS from the broker
//     means the person is known: a conditional create);
//   - Conditions, MedicationStatements, MedicationRequests and the GP (the Organization the
//     Patient's generalPractitioner names): one PutRecordRequest with a HealthSummary, data
//     class "health";
//   - each CarePlan: a PutRecordRequest with a CarePlan, data class "drugs";
//   - each Consent: a RecordConsentRequest.
// The purpose of use of every request is Bundle.meta.security (systems.h PurposeCoding). A batch
// is decoded as strictly as a transaction (all or nothing); the broker carries out each of its
// operations on its own.
//
// Encode: MESSAGE_KIND_RECORDS deliveries of health summaries and care plans, as a collection
// Bundle (bundle_encoder.h). The listener's other resources have their own headers:
// patient_resource.h, consent_resource.h, audit_event_resource.h, operation_outcome.h,
// capability_statement.h, search_params.h.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_FHIR_ADAPTER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_FHIR_ADAPTER_H_

#include <string>

#include "services/adapters/adapter.h"

namespace throughcare::adapters::fhir {

class FhirR4Adapter final : public Adapter {
 public:
  FormatInfo Describe() const override;
  Decoded Decode(absl::string_view native) const override;
  absl::StatusOr<std::string> Encode(const v1::Delivery& delivery,
                                     const v1::Subject& person) const override;
};

// The one instance, for the registry. Thread-safe: the adapter has no state.
const Adapter& FhirR4();

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_FHIR_ADAPTER_H_
