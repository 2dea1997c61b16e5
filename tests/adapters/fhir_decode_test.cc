// The fhir-r4 adapter's decoding: what valid Bundles give, and that each kind of malformed input
// is refused with its JSON pointer and no operations.
#include <functional>
#include <ostream>
#include <string>
#include <variant>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/adapters/adapter.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/fhir/json_input.h"
#include "tests/adapters/fhir_test_util.h"

namespace throughcare::adapters::fhir {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::ExampleJson;
using testing::ReadExample;

std::string ErrorsOf(const Decoded& decoded) {
  std::string out;
  for (const DecodeError& error : decoded.errors) out += error.where + ": " + error.reason + "\n";
  return out;
}

TEST(FhirDecode, RegistryFindsTheFormat) {
  const Adapter* adapter = Registry::Find("fhir-r4");
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->Describe().content_type, "application/fhir+json");
  EXPECT_EQ(adapter->Describe().version, "4.0.1");
}

TEST(FhirDecode, HealthSummaryBundle) {
  Decoded decoded = FhirR4().Decode(ReadExample("health_summary.json"));
  ASSERT_THAT(decoded.errors, SizeIs(0)) << ErrorsOf(decoded);
  ASSERT_THAT(decoded.operations, SizeIs(2));

  const Operation& register_op = decoded.operations[0];
  EXPECT_EQ(register_op.source, "/entry/0/resource");
  EXPECT_EQ(register_op.person.kind(), v1::IDENTIFIER_KIND_NHS_NUMBER);
  EXPECT_EQ(register_op.person.value(), "9990000018");
  EXPECT_EQ(register_op.idempotency_key, "urn:uuid:0b5e6f1a-3c3d-4f4e-9a51-1c2d3e4f5a01");
  const auto& registration = std::get<v1::RegisterSubjectRequest>(register_op.request);
  EXPECT_EQ(registration.purpose(), "direct_care");
  ASSERT_THAT(registration.identifiers(), SizeIs(1));
  EXPECT_EQ(registration.identifiers(0).value(), "9990000018");
  EXPECT_TRUE(registration.identifiers(0).linked_by_agency().empty());

  const Operation& put = decoded.operations[1];
  EXPECT_EQ(put.person.value(), "9990000018");
  const auto& request = std::get<v1::PutRecordRequest>(put.request);
  EXPECT_EQ(request.purpose(), "direct_care");
  EXPECT_EQ(request.data_class(), "health");
  EXPECT_TRUE(request.subject_id().empty());
  const v1::HealthSummary& summary = request.body().health_summary();
  ASSERT_THAT(summary.conditions(), SizeIs(2));
  EXPECT_EQ(summary.conditions(0).name(), "Hepatitis C");
  EXPECT_EQ(summary.conditions(0).since(), "2019-04-01");
  EXPECT_EQ(summary.conditions(1).name(), "Asthma");
  ASSERT_THAT(summary.prescriptions(), SizeIs(2));
  EXPECT_EQ(summary.prescriptions(0).medicine(), "Methadone oral solution 1 mg/ml");
  EXPECT_EQ(summary.prescriptions(0).dose(), "60 ml");
  EXPECT_EQ(summary.prescriptions(0).frequency(), "once daily");
  EXPECT_EQ(summary.prescriptions(0).prescriber(), "Healthcare team, HMP Example");
  EXPECT_EQ(summary.prescriptions(1).medicine(), "Salbutamol 100 micrograms inhaler");
  EXPECT_EQ(summary.prescriptions(1).prescriber(), "Example Lane Surgery");
  EXPECT_EQ(summary.gp().ods_code(), "Y00001");
  EXPECT_EQ(summary.gp().practice_name(), "Example Lane Surgery");
}

TEST(FhirDecode, CarePlanBundle) {
  Decoded decoded = FhirR4().Decode(ReadExample("care_plan.json"));
  ASSERT_THAT(decoded.errors, SizeIs(0)) << ErrorsOf(decoded);
  ASSERT_THAT(decoded.operations, SizeIs(2));
  const auto& request = std::get<v1::PutRecordRequest>(decoded.operations[1].request);
  EXPECT_EQ(request.purpose(), "resettlement");
  EXPECT_EQ(request.data_class(), "drugs");
  const v1::CarePlan& plan = request.body().care_plan();
  EXPECT_EQ(plan.review_date(), "2027-03-01");
  ASSERT_THAT(plan.goals(), SizeIs(2));
  EXPECT_EQ(plan.goals(0).owner(), "Community drug service keyworker");
  EXPECT_EQ(plan.goals(0).due_date(), "2027-02-15");
  EXPECT_EQ(plan.goals(1).description(), "Register with a GP.");
}

TEST(FhirDecode, ConsentBundle) {
  Decoded decoded = FhirR4().Decode(ReadExample("consent.json"));
  ASSERT_THAT(decoded.errors, SizeIs(0)) << ErrorsOf(decoded);
  ASSERT_THAT(decoded.operations, SizeIs(2));
  const auto& request = std::get<v1::RecordConsentRequest>(decoded.operations[1].request);
  EXPECT_THAT(request.data_classes(), ::testing::ElementsAre("health", "drugs"));
  EXPECT_THAT(request.recipient_agencies(), ::testing::ElementsAre("gp-example"));
  EXPECT_THAT(request.recipient_kinds(), ::testing::ElementsAre("cjit"));
  EXPECT_THAT(request.purposes(), ::testing::ElementsAre("direct_care", "resettlement"));
  EXPECT_EQ(request.valid_from().seconds(), 1767225600);   // 2026-01-01T00:00:00Z
  EXPECT_EQ(request.valid_until().seconds(), 1798761600);  // 2027-01-01T00:00:00Z
  EXPECT_EQ(request.evidence(), v1::CONSENT_EVIDENCE_SIGNED_FORM);
  EXPECT_EQ(request.evidence_reference(), "Signed form, healthcare records room, HMP Example");
}

// One malformed input: how to make it from a valid example, and the error it must give.
struct Malformed {
  std::string name;
  std::string example;
  std::function<std::string(nlohmann::json&, const std::string& text)> make;
  std::string where;
  std::string reason;
};

std::string Set(nlohmann::json& doc, const std::string& pointer, nlohmann::json value) {
  doc[nlohmann::json::json_pointer(pointer)] = std::move(value);
  return doc.dump();
}

std::string Erase(nlohmann::json& doc, const std::string& parent, const std::string& key) {
  doc[nlohmann::json::json_pointer(parent)].erase(key);
  return doc.dump();
}

std::string Replace(const std::string& text, const std::string& from, const std::string& to) {
  std::string out = absl::StrReplaceAll(text, {{from, to}});
  EXPECT_NE(out, text) << "the example has no " << from;
  return out;
}

const std::vector<Malformed>& Cases() {
  static const auto* const cases = new std::vector<Malformed>{
      {"UnknownElement", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/2/resource/colour", "red"); },
       "/entry/2/resource/colour", "unknown element"},
      {"UnmappedElement", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/2/resource/severity", {{"text", "severe"}});
       },
       "/entry/2/resource/severity", "Condition.severity is not supported by this adapter"},
      {"PrimitiveExtension", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/4/resource/_status", {{"id", "x"}}); },
       "/entry/4/resource/_status", "not supported by this adapter"},
      {"WrongJsonType", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/2/resource/onsetDateTime", 20190401); },
       "/entry/2/resource/onsetDateTime", "must be a string, not a number"},
      {"WrongJsonTypeArray", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/0/resource/identifier", {{"system", "x"}});
       },
       "/entry/0/resource/identifier", "must be an array"},
      {"BadNhsCheckDigit", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/0/resource/identifier/0/value", "9990000019");
       },
       "/entry/0/resource/identifier/0/value", "check digit"},
      {"NhsNumberWithSpaces", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/0/resource/identifier/0/value", "999 000 0018");
       },
       "/entry/0/resource/identifier/0/value", "10 digits"},
      {"InactivePatient", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/0/resource/active", false); },
       "/entry/0/resource/active", "not supported by this adapter"},
      {"UncitedIdentifierSystem", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/0/resource/identifier/0/system", "https://example.org/id");
       },
       "/entry/0/resource/identifier/0/system", "not supported by this adapter"},
      {"ImpossibleDate", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/2/resource/onsetDateTime", "2019-02-30"); },
       "/entry/2/resource/onsetDateTime", "not a date on the calendar"},
      {"PartialDate", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/2/resource/onsetDateTime", "2019-04"); },
       "/entry/2/resource/onsetDateTime", "YYYY-MM-DD"},
      {"ImpossibleDateTime", "consent.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/1/resource/provision/period/end", "2027-13-01T00:00:00Z");
       },
       "/entry/1/resource/provision/period/end", "dateTime"},
      {"DateTimeWithoutZone", "consent.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/1/resource/provision/period/end", "2027-01-01T00:00:00");
       },
       "/entry/1/resource/provision/period/end", "time zone"},
      {"MissingRequiredElement", "health_summary.json",
       [](auto& doc, auto&) { return Erase(doc, "/entry/2/resource", "code"); },
       "/entry/2/resource/code", "required element is missing"},
      {"MissingPurpose", "health_summary.json",
       [](auto& doc, auto&) { return Erase(doc, "", "meta"); }, "/meta",
       "required element is missing"},
      {"MissingPatient", "care_plan.json",
       [](auto& doc, auto&) {
         doc["entry"].erase(0);
         return doc.dump();
       },
       "/entry", "one Patient"},
      {"ResourceTypeNotAllowed", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/2/resource", {{"resourceType", "Observation"}});
       },
       "/entry/2/resource/resourceType", "may not contain a Observation"},
      {"UnknownResourceType", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/2/resource", {{"resourceType", "Prescription"}});
       },
       "/entry/2/resource/resourceType", "unknown resource type"},
      {"NotABundle", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/resourceType", "Patient"); }, "/resourceType",
       "must be \"Bundle\""},
      {"BundleTypeNotAccepted", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/type", "collection"); }, "/type",
       "code \"collection\" is not supported by this adapter"},
      {"UnknownCode", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/4/resource/status", "taken"); },
       "/entry/4/resource/status", "unknown code \"taken\""},
      {"StatusNotCurrent", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/4/resource/status", "completed"); },
       "/entry/4/resource/status", "not supported by this adapter"},
      {"CodedConditionNotDropped", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/3/resource/code/coding",
                    {{{"system", "http://snomed.info/sct"}, {"code", "195967001"}}});
       },
       "/entry/3/resource/code/coding", "coded concepts are not supported"},
      {"ReferenceToAnotherPatient", "health_summary.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/2/resource/subject/reference",
                    "urn:uuid:0b5e6f1a-3c3d-4f4e-9a51-1c2d3e4f5aff");
       },
       "/entry/2/resource/subject/reference", "Bundle's Patient"},
      {"FullUrlNotUuid", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/3/fullUrl", "Condition/1"); },
       "/entry/3/fullUrl", "urn:uuid:"},
      {"RequestNotPost", "health_summary.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/3/request/method", "DELETE"); },
       "/entry/3/request/method", "not supported by this adapter"},
      {"TwoPatients", "care_plan.json",
       [](auto& doc, auto&) {
         nlohmann::json second = doc["entry"][0];
         second["fullUrl"] = "urn:uuid:7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3cff";
         doc["entry"].push_back(second);
         return doc.dump();
       },
       "/entry/2/resource", "second Patient"},
      {"OrganizationNotTheGp", "health_summary.json",
       [](auto& doc, auto&) { return Erase(doc, "/entry/0/resource", "generalPractitioner"); },
       "/entry/1/resource", "generalPractitioner"},
      {"ConsentTwoKindsOfEvidence", "consent.json",
       [](auto& doc, auto&) {
         return Set(doc, "/entry/1/resource/performer", {{{"display", "A representative"}}});
       },
       "/entry/1/resource", "exactly one of"},
      {"ConsentDenyProvision", "consent.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/1/resource/provision/type", "deny"); },
       "/entry/1/resource/provision/type", "not supported by this adapter"},
      {"EmptyString", "care_plan.json",
       [](auto& doc, auto&) { return Set(doc, "/entry/1/resource/description", " "); },
       "/entry/1/resource/description", "white space"},
      {"DuplicateKey", "health_summary.json",
       [](auto&, const std::string& text) {
         return Replace(text, R"("code": {"text": "Asthma"})",
                        R"("code": {"text": "Asthma", "text": "Eczema"})");
       },
       "/entry/3/resource/code/text", "appears twice"},
      {"InvalidUtf8", "health_summary.json",
       [](auto&, const std::string& text) {
         return Replace(text, R"("Asthma")", "\"Asth\xff\x61\"");
       },
       "/entry/3/resource/code/text", "UTF-8"},
      {"NotJson", "health_summary.json",
       [](auto&, const std::string& text) { return text.substr(0, text.size() / 2); },
       "/entry/3/fullUrl", "not valid JSON"},
      {"NestedTooDeep", "health_summary.json",
       [](auto&, const std::string& text) {
         return Replace(text, R"("Asthma")",
                        std::string(40, '[') + std::string(40, ']'));
       },
       "/entry/3/resource/code/text/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0",
       "nested deeper than 24 levels"},
      {"Oversized", "health_summary.json",
       [](auto&, const std::string& text) {
         return Replace(text, R"("Asthma")",
                        "\"" + std::string(kMaxDocumentBytes, 'a') + "\"");
       },
       "", "over the limit of 1048576 bytes"},
  };
  return *cases;
}

void PrintTo(const Malformed& malformed, std::ostream* os) { *os << malformed.name; }

class FhirMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(FhirMalformed, IsRefusedAtItsPointerWithNoOperations) {
  const Malformed& c = GetParam();
  std::string text = ReadExample(c.example);
  nlohmann::json doc = nlohmann::json::parse(text);
  Decoded decoded = FhirR4().Decode(c.make(doc, text));
  EXPECT_THAT(decoded.operations, SizeIs(0));
  ASSERT_THAT(decoded.errors, ::testing::Not(SizeIs(0)));
  bool found = false;
  for (const DecodeError& error : decoded.errors) {
    if (error.where == c.where && error.reason.find(c.reason) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "expected " << c.where << ": ..." << c.reason << "...; got\n"
                     << ErrorsOf(decoded);
}

INSTANTIATE_TEST_SUITE_P(Inputs, FhirMalformed, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(FhirDecode, EveryErrorIsReportedAtOnce) {
  nlohmann::json doc = ExampleJson("health_summary.json");
  doc["entry"][2]["resource"]["onsetDateTime"] = "2019-02-30";
  doc["entry"][4]["resource"]["status"] = "taken";
  Decoded decoded = FhirR4().Decode(doc.dump());
  EXPECT_THAT(decoded.errors, SizeIs(2)) << ErrorsOf(decoded);
  EXPECT_THAT(decoded.operations, SizeIs(0));
}

}  // namespace
}  // namespace throughcare::adapters::fhir
