// Errors as FHIR R4 OperationOutcome resources: one issue per error, severity "error", an
// issue-type code, the reason in diagnostics and the element's path in expression (FHIRPath,
// e.g. "Bundle.entry[2].resource.code"; the JSON pointer goes in location).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_OPERATION_OUTCOME_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_OPERATION_OUTCOME_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::fhir {

// The FHIRPath of a JSON pointer into a document whose root is a `root` resource:
// "/entry/2/resource/code" -> "Bundle.entry[2].resource.code"; "" -> "Bundle".
std::string FhirPathOf(absl::string_view pointer, absl::string_view root = "Bundle");

// Decoding errors. Issue codes: "not-supported" for what this adapter does not map, "required"
// for a missing element, "too-long" for input over a limit, "structure" for input that is not
// JSON, "invalid" for everything else (wrong type, bad code or date, unknown element).
nlohmann::ordered_json OperationOutcomeFromErrors(const std::vector<DecodeError>& errors);

// A refusal by the broker (the listener picks the HTTP status): issue code by status code, e.g.
// NOT_FOUND "not-found", PERMISSION_DENIED "forbidden", UNAUTHENTICATED "login",
// ALREADY_EXISTS "duplicate", ABORTED "conflict", RESOURCE_EXHAUSTED "throttled",
// INVALID_ARGUMENT "invalid", FAILED_PRECONDITION "business-rule", UNAVAILABLE "transient".
// The status message is the diagnostics.
nlohmann::ordered_json OperationOutcomeFromStatus(const absl::Status& status);

// The HTTP status of a FHIR response for a status: 200 OK; 400 INVALID_ARGUMENT and OUT_OF_RANGE
// (bad input: the OperationOutcome's expression names the element); 401 UNAUTHENTICATED; 403
// PERMISSION_DENIED; 404 NOT_FOUND (also a person the caller may not know); 409 ALREADY_EXISTS
// and ABORTED; 422 FAILED_PRECONDITION (well-formed but against a business rule); 429
// RESOURCE_EXHAUSTED; 503 UNAVAILABLE; 504 DEADLINE_EXCEEDED; 500 otherwise. For decoding errors
// (a Decoded with errors) use 400.
int HttpStatusOf(absl::StatusCode code);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_OPERATION_OUTCOME_H_
