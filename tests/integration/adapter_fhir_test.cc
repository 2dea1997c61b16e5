// The adapters' HTTPS listener with FHIR R4, through the real broker: a prison healthcare
// system posts a transaction Bundle (its health summary) over mutual TLS and it is stored as the
// person's record under the same rules as PutRecord; the Patient search finds the person only
// for a caller who may know them; bad Bundles and callers get FHIR OperationOutcomes.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "services/core/files.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/v1/admin.grpc.pb.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using nlohmann::json;

constexpr char kNhsNumber[] = "9990000018";  // the NHS number of the example Bundle
constexpr char kNhsSystem[] = "https://fhir.nhs.uk/Id/nhs-number";

class AdapterFhirTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    ServeAdapters(kHealthcare, "fhir-r4");
  }

  httplib::Headers HeadersFor(const Actor& actor) {
    return {{"Authorization", "Bearer " + AssertionFor(actor)}, {"Accept", "application/fhir+json"}};
  }

  // The person, known by NOMS number (reception) and NHS number (linked by healthcare), with
  // the healthcare team allocated.
  std::string KnownPerson() {
    const std::string subject_id = RegisterPerson();
    Relate(kHealthcare, subject_id);
    v1::LinkIdentifierRequest link;
    link.set_purpose(kHealthcare.purpose);
    link.set_subject_id(subject_id);
    link.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NHS_NUMBER);
    link.mutable_identifier()->set_value(kNhsNumber);
    v1::Subject out;
    grpc::Status s =
        Subjects(kHealthcare.agency)->LinkIdentifier(ContextFor(kHealthcare).get(), link, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return subject_id;
  }

  static std::string ExampleBundle() {
    absl::StatusOr<std::string> text = ReadFile(
        absl::StrCat(TC_FHIR_EXAMPLES_DIR, "/health_summary.json"));
    EXPECT_THAT(text, IsOk());
    return text.ok() ? *text : "";
  }

  httplib::Result SearchPatient(const Actor& actor, const std::string& nhs_number) {
    return AdapterClient(actor.agency)
        ->Get(absl::StrCat("/fhir/r4/Patient?identifier=", kNhsSystem, "%7C", nhs_number),
              HeadersFor(actor));
  }
};

TEST_F(AdapterFhirTest, ATransactionBundleIsStoredAsTheHealthSummary) {
  const std::string subject_id = KnownPerson();
  httplib::Result res = AdapterClient(kHealthcare.agency)
                            ->Post("/fhir/r4", HeadersFor(kHealthcare), ExampleBundle(),
                                   "application/fhir+json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/fhir+json");
  json body = json::parse(res->body);
  EXPECT_EQ(body["resourceType"], "Bundle");
  EXPECT_EQ(body["type"], "transaction-response");
  ASSERT_THAT(body["entry"], SizeIs(2)) << body;  // the Patient, then the health summary
  EXPECT_EQ(body["entry"][0]["response"]["status"], "200 OK");  // known already
  EXPECT_EQ(body["entry"][1]["response"]["status"], "201 Created");

  // The record is the person's health summary, readable over gRPC like any other.
  v1::ListRecordsRequest list;
  list.set_purpose(kHealthcare.purpose);
  list.set_subject_id(subject_id);
  v1::ListRecordsResponse records;
  grpc::Status s =
      Records(kHealthcare.agency)->ListRecords(ContextFor(kHealthcare).get(), list, &records);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(records.records(), SizeIs(1));
  v1::GetRecordRequest get;
  get.set_purpose(kHealthcare.purpose);
  get.set_record_id(records.records(0).record_id());
  v1::Record record;
  s = Records(kHealthcare.agency)->GetRecord(ContextFor(kHealthcare).get(), get, &record);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(record.data_class(), "health");
  ASSERT_TRUE(record.body().has_health_summary());
  EXPECT_EQ(record.body().health_summary().conditions(0).name(), "Hepatitis C");
  EXPECT_EQ(record.body().health_summary().gp().ods_code(), "Y00001");
}

TEST_F(AdapterFhirTest, PatientSearchFindsThePersonByNhsNumberAndNoOneElse) {
  KnownPerson();
  httplib::Result res = SearchPatient(kHealthcare, kNhsNumber);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json found = json::parse(res->body);
  EXPECT_EQ(found["type"], "searchset");
  EXPECT_EQ(found["total"], 1);
  EXPECT_EQ(found["entry"][0]["resource"]["resourceType"], "Patient");
  EXPECT_THAT(found["entry"][0]["resource"]["identifier"].dump(), HasSubstr(kNhsNumber));
  EXPECT_FALSE(found["entry"][0]["resource"].contains("name"));

  // Nobody knows this NHS number: the same empty answer as for a person kept from the caller.
  res = SearchPatient(kHealthcare, "9990000026");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json none = json::parse(res->body);
  EXPECT_EQ(none["total"], 0);
  EXPECT_FALSE(none.contains("entry"));  // FHIR JSON has no empty arrays

  res = SearchPatient(kHealthcare, "9990000019");  // a wrong check digit
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["resourceType"], "OperationOutcome");
}

TEST_F(AdapterFhirTest, ConsentSearchListsThePersonsConsentsAsFhirConsents) {
  const std::string subject_id = KnownPerson();
  RecordConsent(kHealthcare, subject_id, "health", "probation-east", "offender_management");
  const std::string patient = "Patient/" + absl::StrReplaceAll(subject_id, {{"_", "-"}});
  httplib::Result res = AdapterClient(kHealthcare.agency)
                            ->Get("/fhir/r4/Consent?patient=" + patient, HeadersFor(kHealthcare));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json found = json::parse(res->body);
  EXPECT_EQ(found["type"], "searchset");
  ASSERT_EQ(found["total"], 1) << found;
  json consent = found["entry"][0]["resource"];
  EXPECT_EQ(consent["resourceType"], "Consent");
  EXPECT_EQ(consent["status"], "active");
  EXPECT_EQ(consent["patient"]["reference"], patient);
  EXPECT_THAT(consent["provision"].dump(), HasSubstr("probation-east"));

  res = AdapterClient(kHealthcare.agency)
            ->Get("/fhir/r4/Consent?patient=Patient/someone", HeadersFor(kHealthcare));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_THAT(json::parse(res->body)["issue"][0]["diagnostics"].get<std::string>(),
              HasSubstr("patient:"));
}

TEST_F(AdapterFhirTest, BadBundlesAndCallersGetOperationOutcomes) {
  KnownPerson();
  json bundle = json::parse(ExampleBundle());
  bundle["entry"][0]["resource"]["identifier"][0]["value"] = "9990000019";
  httplib::Result res = AdapterClient(kHealthcare.agency)
                            ->Post("/fhir/r4", HeadersFor(kHealthcare), bundle.dump(),
                                   "application/fhir+json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 400) << res->body;
  json outcome = json::parse(res->body);
  EXPECT_EQ(outcome["resourceType"], "OperationOutcome");
  EXPECT_EQ(outcome["issue"][0]["expression"][0], "Bundle.entry[0].resource.identifier[0].value");

  // An agency whose interface is not FHIR.
  res = AdapterClient(kOffenderManager.agency)
            ->Post("/fhir/r4", HeadersFor(kOffenderManager), ExampleBundle(),
                   "application/fhir+json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_EQ(json::parse(res->body)["issue"][0]["code"], "forbidden");

  // The CapabilityStatement is there for any client with a certificate.
  res = AdapterClient(kOffenderManager.agency)->Get("/fhir/r4/metadata");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json metadata = json::parse(res->body);
  EXPECT_EQ(metadata["resourceType"], "CapabilityStatement");
  EXPECT_EQ(metadata["fhirVersion"], "4.0.1");
}

TEST_F(AdapterFhirTest, DiscoveryNamesEachAgencysInterfaceAndTheFormats) {
  v1::Discovery discovery;
  grpc::Status s = v1::AdminService::NewStub(ChannelFor(kHealthcare.agency))
                       ->Discover(ContextFor(kHealthcare).get(), v1::DiscoverRequest(), &discovery);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(discovery.caller().agency_id(), kHealthcare.agency);
  EXPECT_EQ(discovery.caller().interface(), "fhir-r4");
  EXPECT_EQ(discovery.caller().role(), "prison_healthcare");
  bool probation_on_grpc = false;
  for (const v1::Discovery::Agency& a : discovery.agencies()) {
    probation_on_grpc |= a.agency_id() == kOffenderManager.agency && a.interface() == "grpc";
  }
  EXPECT_TRUE(probation_on_grpc);
  std::vector<std::string> formats;
  for (const v1::Discovery::Format& f : discovery.formats()) formats.push_back(f.name());
  EXPECT_THAT(formats, ::testing::ElementsAre("csv-files", "fhir-r4", "hmpps-events"));
  EXPECT_EQ(discovery.policy_version(), broker_->policy_version());
}

}  // namespace
}  // namespace throughcare::testing
