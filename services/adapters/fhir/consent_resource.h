// A broker Consent as a FHIR R4 Consent (and the mapping the decoder reads back):
//
//   status            active; inactive once withdrawn or expired
//   scope             consentscope patient-privacy      category  LOINC 59284-0 Patient Consent
//   policyRule        v3-ActCode OPTIN (the person opted in to this sharing)
//   patient           `patient_reference`               dateTime  recorded_at
//   provision.type    permit                            period    valid_from .. valid_until
//   provision.actor   role v3-ParticipationType IRCP (information recipient), reference.identifier
//                     urn:throughcare:agency | urn:throughcare:agency-kind
//   provision.purpose purposes (systems.h PurposeCoding)
//   provision.class   data classes, urn:throughcare:data-class
//   evidence          signed form: sourceAttachment.title = evidence_reference; verbal and
//                     witnessed: verification[0] {verified true, verifiedWith.display = witness};
//                     representative: performer[0].display = evidence_detail
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_CONSENT_RESOURCE_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_CONSENT_RESOURCE_H_

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "throughcare/v1/consent.pb.h"

namespace throughcare::adapters::fhir {

// `patient_reference` is how the Consent names the person: "Patient/<id>" or a Bundle's
// "urn:uuid:..." fullUrl.
nlohmann::ordered_json ConsentResource(const v1::Consent& consent,
                                       absl::string_view patient_reference);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_CONSENT_RESOURCE_H_
