// FHIR -> canonical -> FHIR keeps the meaning, per mapped type: a Bundle decodes to requests, the
// records those requests make are delivered as a FHIR Bundle, and that Bundle, posted back,
// decodes to the same requests.
#include <string>
#include <variant>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/adapters/fhir/consent_resource.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "tests/adapters/fhir_test_util.h"

namespace throughcare::adapters::fhir {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::SizeIs;
using testing::AsTransaction;
using testing::ReadExample;

// The delivery the broker would make of the records `decoded` puts.
v1::Delivery DeliveryOf(const Decoded& decoded) {
  v1::Delivery delivery;
  delivery.set_message_id("msg_01JEXAMPLE0000000000000000");
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  delivery.set_subject_id("sub_01JEXAMPLE0000000000000000");
  delivery.set_sender_agency("hmp-example");
  delivery.mutable_sent_at()->set_seconds(1767225600);
  int n = 0;
  for (const Operation& operation : decoded.operations) {
    const auto* put = std::get_if<v1::PutRecordRequest>(&operation.request);
    if (put == nullptr) continue;
    delivery.set_purpose(put->purpose());
    v1::Record* record = delivery.add_records();
    record->set_record_id("rec_0" + std::to_string(++n));
    record->set_version(1);
    record->set_data_class(put->data_class());
    *record->mutable_body() = put->body();
  }
  return delivery;
}

v1::Subject PersonOf(const Decoded& decoded) {
  v1::Subject person;
  person.set_subject_id("sub_01JEXAMPLE0000000000000000");
  *person.add_identifiers() = decoded.operations.at(0).person;
  return person;
}

void ExpectSameRequests(const Decoded& a, const Decoded& b) {
  ASSERT_EQ(a.operations.size(), b.operations.size());
  for (size_t i = 0; i < a.operations.size(); ++i) {
    EXPECT_EQ(a.operations[i].person.value(), b.operations[i].person.value());
    std::visit(
        [&](const auto& first) {
          using T = std::decay_t<decltype(first)>;
          const T* second = std::get_if<T>(&b.operations[i].request);
          ASSERT_NE(second, nullptr) << "operation " << i << " changed kind";
          std::string diff;
          MessageDifferencer differencer;
          differencer.ReportDifferencesToString(&diff);
          EXPECT_TRUE(differencer.Compare(first, *second)) << diff;
        },
        a.operations[i].request);
  }
}

// Decodes `example`, encodes its records as a delivery, posts that back and decodes it again.
void RoundTrip(const std::string& example, nlohmann::json* encoded_out = nullptr) {
  Decoded first = FhirR4().Decode(ReadExample(example));
  ASSERT_THAT(first.errors, SizeIs(0));
  absl::StatusOr<std::string> encoded = FhirR4().Encode(DeliveryOf(first), PersonOf(first));
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  nlohmann::json bundle = nlohmann::json::parse(*encoded);
  EXPECT_EQ(bundle["type"], "collection");
  Decoded second = FhirR4().Decode(AsTransaction(bundle));
  ASSERT_THAT(second.errors, SizeIs(0)) << second.errors[0].where << ": "
                                        << second.errors[0].reason;
  ExpectSameRequests(first, second);
  if (encoded_out != nullptr) *encoded_out = bundle;
}

TEST(FhirRoundTrip, HealthSummary) {
  nlohmann::json bundle;
  RoundTrip("health_summary.json", &bundle);
  // The Patient has identifiers only; the MedicationRequest comes back as a MedicationStatement
  // (the summary's current prescriptions), the GP as the Patient's generalPractitioner.
  const nlohmann::json& patient = bundle["entry"][0]["resource"];
  EXPECT_EQ(patient["identifier"][0]["value"], "9990000018");
  EXPECT_FALSE(patient.contains("name"));
  EXPECT_EQ(patient["generalPractitioner"][0]["reference"], bundle["entry"][5]["fullUrl"]);
  EXPECT_EQ(bundle["entry"][4]["resource"]["resourceType"], "MedicationStatement");
  EXPECT_EQ(bundle["meta"]["security"][0]["code"], "TREAT");
}

TEST(FhirRoundTrip, CarePlan) { RoundTrip("care_plan.json"); }

TEST(FhirRoundTrip, EncodingIsPure) {
  Decoded decoded = FhirR4().Decode(ReadExample("health_summary.json"));
  EXPECT_EQ(*FhirR4().Encode(DeliveryOf(decoded), PersonOf(decoded)),
            *FhirR4().Encode(DeliveryOf(decoded), PersonOf(decoded)));
}

// The broker's Consent made from a decoded request, as RecordConsent would store it.
v1::Consent ConsentOf(const v1::RecordConsentRequest& request) {
  v1::Consent consent;
  consent.set_consent_id("con_01JEXAMPLE0000000000000000");
  consent.set_version(1);
  *consent.mutable_data_classes() = request.data_classes();
  *consent.mutable_recipient_agencies() = request.recipient_agencies();
  *consent.mutable_recipient_kinds() = request.recipient_kinds();
  *consent.mutable_purposes() = request.purposes();
  *consent.mutable_valid_from() = request.valid_from();
  *consent.mutable_valid_until() = request.valid_until();
  consent.set_evidence(request.evidence());
  consent.set_evidence_reference(request.evidence_reference());
  consent.set_evidence_detail(request.evidence_detail());
  consent.set_state("ACTIVE");
  return consent;
}

void ConsentRoundTrip(const nlohmann::json& input) {
  Decoded first = FhirR4().Decode(input.dump());
  ASSERT_THAT(first.errors, SizeIs(0)) << first.errors[0].where << ": " << first.errors[0].reason;
  const auto& request = std::get<v1::RecordConsentRequest>(first.operations.at(1).request);
  nlohmann::json bundle = input;
  const std::string patient_url = input["entry"][0]["fullUrl"];
  bundle["entry"][1]["resource"] = nlohmann::json::parse(
      ConsentResource(ConsentOf(request), patient_url).dump());
  Decoded second = FhirR4().Decode(bundle.dump());
  ASSERT_THAT(second.errors, SizeIs(0)) << second.errors[0].where << ": "
                                        << second.errors[0].reason;
  ExpectSameRequests(first, second);
}

TEST(FhirRoundTrip, ConsentSignedForm) {
  ConsentRoundTrip(testing::ExampleJson("consent.json"));
}

TEST(FhirRoundTrip, ConsentVerbalWitnessed) {
  nlohmann::json input = testing::ExampleJson("consent.json");
  nlohmann::json& consent = input["entry"][1]["resource"];
  consent.erase("sourceAttachment");
  consent["verification"] = {{{"verified", true},
                              {"verifiedWith", {{"display", "Witnessed by the duty nurse"}}}}};
  ConsentRoundTrip(input);
}

TEST(FhirRoundTrip, ConsentByRepresentative) {
  nlohmann::json input = testing::ExampleJson("consent.json");
  nlohmann::json& consent = input["entry"][1]["resource"];
  consent.erase("sourceAttachment");
  consent["performer"] = {{{"display", "An appointed advocate with lasting power of attorney"}}};
  ConsentRoundTrip(input);
}

TEST(FhirEncode, RecordsWithoutAMappingAreRefused) {
  v1::Delivery delivery;
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  v1::Record* record = delivery.add_records();
  record->set_record_type("risk_summary");
  record->mutable_body()->mutable_risk_summary()->set_mappa_category(1);
  absl::StatusOr<std::string> encoded = FhirR4().Encode(delivery, v1::Subject());
  EXPECT_EQ(encoded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(encoded.status().message()), ::testing::HasSubstr("risk_summary"));

  delivery.set_kind(v1::MESSAGE_KIND_ESCALATION);
  encoded = FhirR4().Encode(delivery, v1::Subject());
  EXPECT_EQ(encoded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(encoded.status().message()),
              ::testing::HasSubstr("MESSAGE_KIND_ESCALATION"));
}

TEST(FhirEncode, HealthSummaryNotesTravelInAList) {
  v1::Delivery delivery;
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  v1::HealthSummary* summary = delivery.add_records()->mutable_body()->mutable_health_summary();
  summary->add_conditions()->set_name("Asthma");
  summary->set_notes("Reviewed at reception.");
  nlohmann::json bundle = nlohmann::json::parse(*FhirR4().Encode(delivery, v1::Subject()));
  const nlohmann::json& list = bundle["entry"][2]["resource"];
  EXPECT_EQ(list["resourceType"], "List");
  EXPECT_EQ(list["note"][0]["text"], "Reviewed at reception.");
  EXPECT_EQ(list["entry"][0]["item"]["reference"], bundle["entry"][1]["fullUrl"]);
}

}  // namespace
}  // namespace throughcare::adapters::fhir
