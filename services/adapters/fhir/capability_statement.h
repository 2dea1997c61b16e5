// The CapabilityStatement of Throughcare's FHIR R4 endpoint (GET /fhir/r4/metadata): what a
// client may call there.
//
//   metadata                  GET  [base]/metadata
//   transaction, batch        POST [base] with a Bundle (fhir_adapter.h)
//   Patient                   search-type by identifier (token: system|value, the NHS number)
//   Consent                   search-type by patient (reference)
//   AuditEvent                search-type by patient (reference) and date (date, e.g. ge...)
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_CAPABILITY_STATEMENT_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_CAPABILITY_STATEMENT_H_

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace throughcare::adapters::fhir {

// The date this statement last changed (CapabilityStatement.date is required); bump it with the
// statement.
inline constexpr char kCapabilityStatementDate[] = "2026-12-03";

// `base_url` is the endpoint's address ("https://broker.example:8443/fhir/r4"), put in
// implementation.url; empty leaves it out. `software_version` is the broker's version.
nlohmann::ordered_json CapabilityStatementResource(absl::string_view base_url,
                                                   absl::string_view software_version);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_CAPABILITY_STATEMENT_H_
