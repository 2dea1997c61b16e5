// The one mapping of the broker's status codes to HTTP, for every HTTP answer (the adapters'
// listener, FHIR OperationOutcomes and Bundle entry responses).
#ifndef THROUGHCARE_SERVICES_CORE_HTTP_STATUS_H_
#define THROUGHCARE_SERVICES_CORE_HTTP_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace throughcare {

// 200 OK; 400 INVALID_ARGUMENT and OUT_OF_RANGE; 401 UNAUTHENTICATED; 403 PERMISSION_DENIED;
// 404 NOT_FOUND (also a person the caller may not know); 409 ALREADY_EXISTS and ABORTED; 422
// FAILED_PRECONDITION (understood, but against the state of things, as FHIR uses it); 429
// RESOURCE_EXHAUSTED; 501 UNIMPLEMENTED; 503 UNAVAILABLE; 504 DEADLINE_EXCEEDED; else 500.
int HttpStatusOf(absl::StatusCode code);

// The reason phrase of each status HttpStatusOf gives, and of 201 ("Created"), as RFC 9110
// names them; "Internal Server Error" for any other.
absl::string_view HttpReasonPhrase(int status);

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_HTTP_STATUS_H_
