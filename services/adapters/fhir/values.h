// Small value conversions the FHIR encoders share (internal to the FHIR adapter).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_VALUES_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_VALUES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"

namespace throughcare::adapters::fhir {

// A FHIR instant in UTC, "2026-01-31T09:00:00Z" (fractional seconds only when there are any).
std::string FhirInstant(const google::protobuf::Timestamp& time);

// A FHIR id for a broker id: "sub_ABC..." -> "sub-ABC..." (ids may not hold "_"; the broker's
// ids are base32 after the prefix, so the change is reversible).
std::string FhirId(absl::string_view broker_id);

// A urn:uuid: URL that depends on `seed` only (encoding is pure: the same delivery gives the same
// bytes). Shaped as an RFC 4122 version 8 (custom) UUID.
std::string StableUuidUrn(absl::string_view seed);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_VALUES_H_
