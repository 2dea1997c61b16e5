// Writes one JSON file per resource the FHIR adapter emits into the folder given, for
// fhir_schema_check.sh to validate against the official FHIR R4 JSON schema:
//   fhir_emit_resources OUT_DIR
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "services/adapters/fhir/audit_event_resource.h"
#include "services/adapters/fhir/capability_statement.h"
#include "services/adapters/fhir/consent_resource.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/fhir/operation_outcome.h"
#include "services/adapters/fhir/patient_resource.h"
#include "services/adapters/fhir/response_bundles.h"

namespace fhir = throughcare::adapters::fhir;
namespace v1 = throughcare::v1;

namespace {

std::string Example(const std::string& name) {
  std::ifstream in(std::string(TC_FHIR_EXAMPLES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Write(const std::string& dir, const std::string& name, const std::string& json) {
  std::ofstream out(dir + "/" + name + ".json", std::ios::binary);
  out << json << "\n";
  return out.good();
}

v1::Subject Person() {
  v1::Subject subject;
  subject.set_subject_id("sub_01JEXAMPLE0000000000000000");
  v1::Identifier* nhs = subject.add_identifiers();
  nhs->set_kind(v1::IDENTIFIER_KIND_NHS_NUMBER);
  nhs->set_value("9990000018");
  v1::Identifier* noms = subject.add_identifiers();
  noms->set_kind(v1::IDENTIFIER_KIND_NOMS);
  noms->set_value("A1234BC");
  return subject;
}

// A delivery of every record type the adapter maps, with every field set.
v1::Delivery Delivery() {
  v1::Delivery delivery;
  delivery.set_message_id("msg_01JEXAMPLE0000000000000000");
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  delivery.set_subject_id("sub_01JEXAMPLE0000000000000000");
  delivery.set_purpose("direct_care");
  delivery.mutable_sent_at()->set_seconds(1767225600);
  delivery.mutable_sent_at()->set_nanos(250000000);
  for (const char* example : {"health_summary.json", "care_plan.json"}) {
    throughcare::adapters::Decoded decoded = fhir::FhirR4().Decode(Example(example));
    for (const auto& operation : decoded.operations) {
      if (const auto* put = std::get_if<v1::PutRecordRequest>(&operation.request)) {
        *delivery.add_records()->mutable_body() = put->body();
      }
    }
  }
  if (delivery.records_size() > 0 && delivery.records(0).body().has_health_summary()) {
    delivery.mutable_records(0)->mutable_body()->mutable_health_summary()->set_notes(
        "Reviewed at reception.");
  }
  return delivery;
}

v1::Consent Consent(v1::ConsentEvidence evidence) {
  v1::Consent consent;
  consent.set_consent_id("con_01JEXAMPLE0000000000000000");
  consent.set_version(2);
  consent.add_data_classes("health");
  consent.add_recipient_agencies("gp-example");
  consent.add_recipient_kinds("cjit");
  consent.add_purposes("direct_care");
  consent.add_purposes("resettlement");
  consent.mutable_valid_from()->set_seconds(1767225600);
  consent.mutable_valid_until()->set_seconds(1798761600);
  consent.mutable_recorded_at()->set_seconds(1767225600);
  consent.set_evidence(evidence);
  consent.set_evidence_reference("Signed form, records room");
  consent.set_evidence_detail("Witnessed by the duty nurse");
  consent.mutable_withdrawn_at()->set_seconds(1767225700);
  return consent;
}

v1::AuditEntry Audit() {
  v1::AuditEntry entry;
  entry.set_seq(42);
  entry.mutable_time()->set_seconds(1767225600);
  entry.set_agency_id("probation-east");
  entry.set_system_id("probation-east-case-system");
  entry.set_user_id("om-1");
  entry.set_role("offender_manager");
  entry.set_action("record.read");
  entry.set_subject_id("sub_01JEXAMPLE0000000000000000");
  entry.set_record_id("rec_01JEXAMPLE0000000000000000");
  entry.set_record_version(3);
  entry.set_purpose("offender_management");
  entry.set_decision(v1::DECISION_ALLOW);
  entry.set_reason("rule om-reads-health");
  entry.set_basis("consent con_01JEXAMPLE0000000000000000 v2");
  entry.set_break_glass_reason("Urgent safeguarding concern reported by the hostel tonight.");
  entry.set_policy_version("7");
  entry.set_request_id("req-1");
  entry.set_outcome("OK");
  return entry;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fhir_emit_resources OUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  absl::StatusOr<std::string> bundle = fhir::FhirR4().Encode(Delivery(), Person());
  if (!bundle.ok()) {
    std::cerr << bundle.status() << "\n";
    return 1;
  }
  throughcare::adapters::Decoded bad =
      fhir::FhirR4().Decode(R"({"resourceType": "Bundle", "type": "searchset"})");
  bool ok =
      Write(dir, "Bundle-delivery", *bundle) &&
      Write(dir, "Patient", fhir::PatientResource(Person()).dump()) &&
      Write(dir, "Consent-signed-form",
            fhir::ConsentResource(Consent(v1::CONSENT_EVIDENCE_SIGNED_FORM), "Patient/sub-1")
                .dump()) &&
      Write(dir, "Consent-verbal-witnessed",
            fhir::ConsentResource(Consent(v1::CONSENT_EVIDENCE_VERBAL_WITNESSED), "Patient/sub-1")
                .dump()) &&
      Write(dir, "Consent-representative",
            fhir::ConsentResource(Consent(v1::CONSENT_EVIDENCE_REPRESENTATIVE), "Patient/sub-1")
                .dump()) &&
      Write(dir, "AuditEvent", fhir::AuditEventResource(Audit()).dump()) &&
      Write(dir, "OperationOutcome-decode", fhir::OperationOutcomeFromErrors(bad.errors).dump()) &&
      Write(dir, "OperationOutcome-status",
            fhir::OperationOutcomeFromStatus(absl::NotFoundError("no such person")).dump()) &&
      Write(dir, "Bundle-transaction-response",
            fhir::ResponseBundle(false, {{absl::OkStatus(), false}, {absl::OkStatus(), true}})
                .dump()) &&
      Write(dir, "Bundle-batch-response",
            fhir::ResponseBundle(true, {{absl::OkStatus(), true},
                                        {absl::NotFoundError("no such person"), false}})
                .dump()) &&
      Write(dir, "Bundle-searchset",
            fhir::SearchsetBundle({fhir::PatientResource(Person()),
                                   fhir::ConsentResource(Consent(v1::CONSENT_EVIDENCE_SIGNED_FORM),
                                                         "Patient/sub-1")})
                .dump()) &&
      Write(dir, "Bundle-searchset-empty", fhir::SearchsetBundle({}).dump()) &&
      Write(dir, "CapabilityStatement",
            fhir::CapabilityStatementResource("https://broker.test/fhir/r4", "1.0").dump());
  if (!ok) {
    std::cerr << "cannot write into " << dir << "\n";
    return 1;
  }
  return 0;
}
