// The search parameters of Throughcare's FHIR endpoint that name a person, for the listener:
// GET /fhir/r4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_SEARCH_PARAMS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_SEARCH_PARAMS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "throughcare/v1/common.pb.h"

namespace throughcare::adapters::fhir {

// A token search value "<system>|<value>" (already URL-decoded) naming a person by NHS number:
// the system must be https://fhir.nhs.uk/Id/nhs-number and the value 10 digits with a valid
// modulus-11 check digit. InvalidArgument starting "identifier: " otherwise (a token without a
// system is refused: a bare number could be any kind of identifier).
absl::StatusOr<v1::Identifier> ParseIdentifierToken(absl::string_view token);

// A `patient` reference search value "Patient/<id>" (the id of a Patient this endpoint gave, see
// patient_resource.h) as the broker's subject id. InvalidArgument starting "patient: "
// otherwise.
absl::StatusOr<std::string> ParsePatientReference(absl::string_view reference);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_SEARCH_PARAMS_H_
