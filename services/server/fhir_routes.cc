#include "services/server/fhir_routes.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/adapters/fhir/capability_statement.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/fhir/operation_outcome.h"
#include "services/adapters/fhir/patient_resource.h"
#include "services/adapters/fhir/search_params.h"
#include "services/server/status.h"
#include "throughcare/version.h"

namespace throughcare::server {
namespace {

using nlohmann::ordered_json;

constexpr char kFhirJson[] = "application/fhir+json";

void Send(httplib::Response& res, int status, const ordered_json& body,
          const std::string& request_id) {
  res.status = status;
  if (!request_id.empty()) res.set_header("X-Request-Id", request_id);
  res.set_content(body.dump(), kFhirJson);
}

// The reason phrase of each status HttpStatusFor gives (RFC 9110).
const char* Reason(int code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Internal Server Error";
  }
}

// The status of a Bundle entry's response ("201 Created" for something new).
std::string EntryStatus(const absl::Status& status, bool created) {
  const int code = status.ok() ? (created ? 201 : 200) : HttpStatusFor(status.code());
  return absl::StrCat(code, " ", Reason(code));
}

}  // namespace

void FhirRoutes::Metadata(httplib::Response& res) {
  Send(res, 200, adapters::fhir::CapabilityStatementResource("", Version()), "");
}

void FhirRoutes::Refuse(httplib::Response& res, const absl::Status& status,
                        const std::string& request_id) {
  const absl::Status shown = ForCaller(status, request_id);
  Send(res, HttpStatusFor(shown.code()), adapters::fhir::OperationOutcomeFromStatus(shown),
       request_id);
}

absl::Status FhirRoutes::Post(const CallContext& call, const httplib::Request& req,
                              httplib::Response& res) {
  adapters::Decoded decoded = adapters::fhir::FhirR4().Decode(req.body);
  if (!decoded.errors.empty()) {
    Send(res, 400, adapters::fhir::OperationOutcomeFromErrors(decoded.errors), call.request_id);
    return absl::InvalidArgumentError(absl::StrCat("the Bundle does not decode: ",
                                                   decoded.errors[0].where, ": ",
                                                   decoded.errors[0].reason));
  }
  const bool batch = nlohmann::json::parse(req.body, nullptr, false).value("type", "") == "batch";
  ordered_json entries = ordered_json::array();
  for (adapters::Operation& op : decoded.operations) {
    const bool creates = !std::holds_alternative<v1::RegisterSubjectRequest>(op.request);
    absl::StatusOr<std::string> result = calls_.Run(call, std::move(op));
    if (!result.ok() && !batch) {
      Refuse(res, result.status(), call.request_id);
      return result.status();
    }
    ordered_json response = {{"status", EntryStatus(result.status(), creates)}};
    if (!result.ok()) {
      response["outcome"] =
          adapters::fhir::OperationOutcomeFromStatus(ForCaller(result.status(), call.request_id));
    }
    entries.push_back({{"response", std::move(response)}});
  }
  Send(res, 200,
       {{"resourceType", "Bundle"},
        {"type", batch ? "batch-response" : "transaction-response"},
        {"entry", std::move(entries)}},
       call.request_id);
  return absl::OkStatus();
}

absl::Status FhirRoutes::SearchPatient(const CallContext& call, const httplib::Request& req,
                                       httplib::Response& res) {
  absl::StatusOr<v1::Identifier> person =
      adapters::fhir::ParseIdentifierToken(req.get_param_value("identifier"));
  if (!person.ok()) {
    Refuse(res, person.status(), call.request_id);
    return person.status();
  }
  absl::StatusOr<v1::Subject> subject = calls_.Resolve(call, *person);
  if (!subject.ok() && !absl::IsNotFound(subject.status())) {
    Refuse(res, subject.status(), call.request_id);
    return subject.status();
  }
  ordered_json entries = ordered_json::array();
  if (subject.ok()) {
    entries.push_back({{"resource", adapters::fhir::PatientResource(*subject)},
                       {"search", {{"mode", "match"}}}});
  }
  ordered_json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", entries.size()}};
  if (!entries.empty()) bundle["entry"] = std::move(entries);  // FHIR JSON has no empty arrays
  Send(res, 200, bundle, call.request_id);
  return absl::OkStatus();
}

}  // namespace throughcare::server
