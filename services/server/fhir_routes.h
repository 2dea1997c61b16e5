// The FHIR R4 routes of the adapters' HTTPS listener (base /fhir/r4), for agencies whose
// interface is fhir-r4. The listener identifies the caller first (https_listener.h); these
// answer in FHIR (application/fhir+json), errors as OperationOutcome with the HTTP status of
// services/core/http_status.h.
//
//   GET  /fhir/r4/metadata   the CapabilityStatement (any client with a certificate)
//   POST /fhir/r4            a transaction or batch Bundle (services/adapters/fhir): answered
//                            with a transaction-response / batch-response Bundle. Entries are
//                            carried out in order, each in its own transaction with its own
//                            audit entry: a transaction stops at the first refusal, which is the
//                            answer (the entries before it stay done: FHIR's all-or-nothing
//                            transaction is not offered); a batch answers each entry.
//   GET  /fhir/r4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN
//                            a searchset Bundle with the Patient, or none: a person the caller
//                            may not know and a person nobody knows look the same.
//   GET  /fhir/r4/Consent?patient=Patient/<id>
//                            a searchset Bundle of the person's consents (ListConsents), or none
//                            when the caller may not know them.
#ifndef THROUGHCARE_SERVICES_SERVER_FHIR_ROUTES_H_
#define THROUGHCARE_SERVICES_SERVER_FHIR_ROUTES_H_

#include <httplib.h>

#include "absl/status/status.h"
#include "services/server/adapter_calls.h"
#include "throughcare/principal.h"

namespace throughcare::server {

class FhirRoutes {
 public:
  explicit FhirRoutes(AdapterCalls& calls) : calls_(calls) {}

  static void Metadata(httplib::Response& res);
  // Each answers `res` and returns the status it answered with.
  absl::Status Post(const CallContext& call, const httplib::Request& req,
                    httplib::Response& res);
  absl::Status SearchPatient(const CallContext& call, const httplib::Request& req,
                             httplib::Response& res);
  absl::Status SearchConsent(const CallContext& call, const httplib::Request& req,
                             httplib::Response& res);
  // A refusal as an OperationOutcome.
  static void Refuse(httplib::Response& res, const absl::Status& status,
                     const std::string& request_id);

 private:
  AdapterCalls& calls_;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_FHIR_ROUTES_H_
