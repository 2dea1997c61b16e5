#include "services/adapters/fhir/response_bundles.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/operation_outcome.h"
#include "services/core/http_status.h"

namespace throughcare::adapters::fhir {

using nlohmann::ordered_json;

ordered_json ResponseBundle(bool batch, const std::vector<EntryOutcome>& outcomes) {
  ordered_json entries = ordered_json::array();
  for (const EntryOutcome& o : outcomes) {
    const int code = o.status.ok() ? (o.created ? 201 : 200) : HttpStatusOf(o.status.code());
    ordered_json response = {{"status", absl::StrCat(code, " ", HttpReasonPhrase(code))}};
    if (!o.status.ok()) response["outcome"] = OperationOutcomeFromStatus(o.status);
    entries.push_back({{"response", std::move(response)}});
  }
  return {{"resourceType", "Bundle"},
          {"type", batch ? "batch-response" : "transaction-response"},
          {"entry", std::move(entries)}};
}

ordered_json SearchsetBundle(std::vector<ordered_json> resources) {
  ordered_json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"},
                         {"total", resources.size()}};
  if (resources.empty()) return bundle;
  ordered_json entries = ordered_json::array();
  for (ordered_json& resource : resources) {
    entries.push_back({{"resource", std::move(resource)}, {"search", {{"mode", "match"}}}});
  }
  bundle["entry"] = std::move(entries);
  return bundle;
}

}  // namespace throughcare::adapters::fhir
