#include "services/server/fhir_routes.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/adapters/fhir/capability_statement.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/fhir/consent_resource.h"
#include "services/adapters/fhir/operation_outcome.h"
#include "services/adapters/fhir/patient_resource.h"
#include "services/adapters/fhir/response_bundles.h"
#include "services/adapters/fhir/search_params.h"
#include "services/core/http_status.h"
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

}  // namespace

void FhirRoutes::Metadata(httplib::Response& res) {
  Send(res, 200, adapters::fhir::CapabilityStatementResource("", Version()), "");
}

void FhirRoutes::Refuse(httplib::Response& res, const absl::Status& status,
                        const std::string& request_id) {
  const absl::Status shown = ForCaller(status, request_id);
  Send(res, HttpStatusOf(shown.code()), adapters::fhir::OperationOutcomeFromStatus(shown),
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
  std::vector<adapters::fhir::EntryOutcome> outcomes;
  for (adapters::Operation& op : decoded.operations) {
    const bool creates = !std::holds_alternative<v1::RegisterSubjectRequest>(op.request);
    absl::StatusOr<std::string> result = calls_.Run(call, std::move(op));
    if (!result.ok() && !batch) {
      Refuse(res, result.status(), call.request_id);
      return result.status();
    }
    outcomes.push_back({ForCaller(result.status(), call.request_id), creates});
  }
  Send(res, 200, adapters::fhir::ResponseBundle(batch, outcomes), call.request_id);
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
  std::vector<ordered_json> found;
  if (subject.ok()) found.push_back(adapters::fhir::PatientResource(*subject));
  Send(res, 200, adapters::fhir::SearchsetBundle(std::move(found)), call.request_id);
  return absl::OkStatus();
}

absl::Status FhirRoutes::SearchConsent(const CallContext& call, const httplib::Request& req,
                                       httplib::Response& res) {
  const std::string patient = req.get_param_value("patient");
  absl::StatusOr<std::string> subject_id = adapters::fhir::ParsePatientReference(patient);
  if (!subject_id.ok()) {
    Refuse(res, subject_id.status(), call.request_id);
    return subject_id.status();
  }
  absl::StatusOr<v1::ListConsentsResponse> consents = calls_.Consents(call, *subject_id);
  if (!consents.ok() && !absl::IsNotFound(consents.status())) {
    Refuse(res, consents.status(), call.request_id);
    return consents.status();
  }
  std::vector<ordered_json> found;
  if (consents.ok()) {
    for (const v1::Consent& c : consents->consents()) {
      found.push_back(adapters::fhir::ConsentResource(c, patient));
    }
  }
  Send(res, 200, adapters::fhir::SearchsetBundle(std::move(found)), call.request_id);
  return absl::OkStatus();
}

}  // namespace throughcare::server
