// The Bundles the FHIR endpoint answers with: the response to a transaction or batch, and a
// search set.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_RESPONSE_BUNDLES_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_RESPONSE_BUNDLES_H_

#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::adapters::fhir {

// How one entry of a transaction or batch ended: its status as the caller may see it, and
// whether it made something new (201 Created rather than 200 OK).
struct EntryOutcome {
  absl::Status status;
  bool created = false;
};

// A transaction-response (or, `batch`, a batch-response) Bundle: per entry, in order, its
// response.status ("201 Created", "404 Not Found": services/core/http_status.h) and, for a
// refusal, an OperationOutcome in response.outcome. At least one outcome.
nlohmann::ordered_json ResponseBundle(bool batch, const std::vector<EntryOutcome>& outcomes);

// A searchset Bundle of `resources` (each a match), with total; without `entry` when there are
// none (FHIR JSON has no empty arrays).
nlohmann::ordered_json SearchsetBundle(std::vector<nlohmann::ordered_json> resources);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_RESPONSE_BUNDLES_H_
