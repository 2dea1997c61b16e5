// The FHIR resources the listener will serve: Patient, AuditEvent, OperationOutcome and the
// CapabilityStatement.
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/adapters/fhir/audit_event_resource.h"
#include "services/adapters/fhir/capability_statement.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/fhir/operation_outcome.h"
#include "services/adapters/fhir/patient_resource.h"
#include "services/adapters/fhir/search_params.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

TEST(FhirPatient, IdentifiersOnly) {
  v1::Subject subject;
  subject.set_subject_id("sub_01JEXAMPLE0000000000000000");
  subject.set_home_area("E06000018");
  v1::Identifier* nhs = subject.add_identifiers();
  nhs->set_kind(v1::IDENTIFIER_KIND_NHS_NUMBER);
  nhs->set_value("9990000018");
  v1::Identifier* noms = subject.add_identifiers();
  noms->set_kind(v1::IDENTIFIER_KIND_NOMS);
  noms->set_value("A1234BC");
  ordered_json patient = PatientResource(subject);
  EXPECT_EQ(patient["id"], "sub-01JEXAMPLE0000000000000000");
  EXPECT_EQ(patient["identifier"][0]["system"], "https://fhir.nhs.uk/Id/nhs-number");
  EXPECT_EQ(patient["identifier"][0]["value"], "9990000018");
  EXPECT_EQ(patient["identifier"][1]["system"], "urn:throughcare:identifier:noms");
  EXPECT_FALSE(patient.contains("name"));
  EXPECT_FALSE(patient.contains("address"));
}

v1::AuditEntry DeniedRead() {
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
  entry.set_decision(v1::DECISION_DENY);
  entry.set_reason("no consent covers health for offender_management");
  entry.set_policy_version("7");
  entry.set_request_id("req-1");
  entry.set_outcome("NOT_FOUND");
  return entry;
}

TEST(FhirAuditEvent, WhoWhatWhomWhyAndTheDecision) {
  ordered_json event = AuditEventResource(DeniedRead());
  EXPECT_EQ(event["id"], "42");
  EXPECT_EQ(event["type"]["system"], "http://terminology.hl7.org/CodeSystem/audit-event-type");
  EXPECT_EQ(event["type"]["code"], "rest");
  EXPECT_EQ(event["subtype"][0]["code"], "record.read");
  EXPECT_EQ(event["action"], "R");
  EXPECT_EQ(event["recorded"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(event["outcome"], "4");
  EXPECT_EQ(event["outcomeDesc"], "NOT_FOUND: no consent covers health for offender_management");
  EXPECT_EQ(event["purposeOfEvent"][0]["coding"][0]["code"], "offender_management");
  EXPECT_EQ(event["agent"][0]["who"]["identifier"]["value"], "om-1");
  EXPECT_EQ(event["agent"][0]["role"][0]["coding"][0]["code"], "offender_manager");
  EXPECT_EQ(event["agent"][0]["requestor"], true);
  EXPECT_EQ(event["agent"][1]["who"]["identifier"]["value"], "probation-east-case-system");
  EXPECT_EQ(event["entity"][0]["what"]["identifier"]["value"], "sub_01JEXAMPLE0000000000000000");
  EXPECT_EQ(event["entity"][0]["role"]["code"], "1");  // patient
  EXPECT_EQ(event["entity"][1]["detail"][0]["valueString"], "3");
  const ordered_json& decision = event["entity"][2]["detail"];
  EXPECT_EQ(decision[0]["type"], "decision");
  EXPECT_EQ(decision[0]["valueString"], "deny");
  EXPECT_EQ(decision[1]["valueString"], "no consent covers health for offender_management");
}

TEST(FhirAuditEvent, DirectCareIsTreatment) {
  v1::AuditEntry entry = DeniedRead();
  entry.set_purpose("direct_care");
  entry.set_outcome("OK");
  entry.set_decision(v1::DECISION_ALLOW);
  ordered_json event = AuditEventResource(entry);
  EXPECT_EQ(event["purposeOfEvent"][0]["coding"][0]["system"],
            "http://terminology.hl7.org/CodeSystem/v3-ActReason");
  EXPECT_EQ(event["purposeOfEvent"][0]["coding"][0]["code"], "TREAT");
  EXPECT_EQ(event["outcome"], "0");
}

TEST(FhirOperationOutcome, DecodeErrorsNameTheElement) {
  Decoded decoded = FhirR4().Decode(R"({"resourceType": "Bundle", "type": "searchset"})");
  ordered_json outcome = OperationOutcomeFromErrors(decoded.errors);
  EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
  bool found = false;
  for (const auto& issue : outcome["issue"]) {
    EXPECT_EQ(issue["severity"], "error");
    if (issue["expression"][0] == "Bundle.type") {
      found = true;
      EXPECT_EQ(issue["code"], "not-supported");
      EXPECT_EQ(issue["location"][0], "/type");
    }
  }
  EXPECT_TRUE(found) << outcome.dump(2);
}

TEST(FhirOperationOutcome, PathsAndCodes) {
  EXPECT_EQ(FhirPathOf("/entry/2/resource/code"), "Bundle.entry[2].resource.code");
  EXPECT_EQ(FhirPathOf(""), "Bundle");
  EXPECT_EQ(OperationOutcomeFromErrors({{"/entry/0/resource/identifier", "required element is "
                                                                           "missing"}})
                ["issue"][0]["code"],
            "required");
  EXPECT_EQ(OperationOutcomeFromStatus(absl::NotFoundError("no such person"))["issue"][0]["code"],
            "not-found");
  EXPECT_EQ(OperationOutcomeFromStatus(absl::PermissionDeniedError("x"))["issue"][0]["code"],
            "forbidden");
  EXPECT_EQ(OperationOutcomeFromStatus(absl::ResourceExhaustedError("x"))["issue"][0]["code"],
            "throttled");
}

TEST(FhirCapabilityStatement, ListsWhatTheEndpointOffers) {
  ordered_json statement = CapabilityStatementResource("https://broker.test/fhir/r4", "1.0");
  EXPECT_EQ(statement["fhirVersion"], "4.0.1");
  EXPECT_EQ(statement["format"][0], "application/fhir+json");
  const ordered_json& rest = statement["rest"][0];
  EXPECT_EQ(rest["interaction"][0]["code"], "transaction");
  EXPECT_EQ(rest["interaction"][1]["code"], "batch");
  EXPECT_EQ(rest["resource"][0]["type"], "Patient");
  EXPECT_EQ(rest["resource"][0]["searchParam"][0]["name"], "identifier");
  EXPECT_EQ(rest["resource"][1]["type"], "Consent");
  EXPECT_EQ(rest["resource"][1]["searchParam"][0]["name"], "patient");
  EXPECT_EQ(rest["resource"][2]["type"], "AuditEvent");
  EXPECT_EQ(rest["resource"][2]["searchParam"][1]["name"], "date");
}

TEST(FhirOperationOutcome, HttpStatuses) {
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kFailedPrecondition), 422);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429);
}

TEST(FhirSearchParams, IdentifierToken) {
  absl::StatusOr<v1::Identifier> identifier =
      ParseIdentifierToken("https://fhir.nhs.uk/Id/nhs-number|9990000018");
  ASSERT_TRUE(identifier.ok()) << identifier.status();
  EXPECT_EQ(identifier->kind(), v1::IDENTIFIER_KIND_NHS_NUMBER);
  EXPECT_EQ(identifier->value(), "9990000018");
  for (const char* bad : {"9990000018", "https://fhir.nhs.uk/Id/nhs-number|9990000019",
                          "https://example.org/id|9990000018",
                          "https://fhir.nhs.uk/Id/nhs-number|999 000 0018"}) {
    absl::StatusOr<v1::Identifier> refused = ParseIdentifierToken(bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(refused.status().message()), ::testing::StartsWith("identifier: "))
        << bad;
  }
}

}  // namespace
}  // namespace throughcare::adapters::fhir
