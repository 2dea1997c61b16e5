// The adapters' HTTPS listener with HMPPS-style events, through the real broker: a prison's
// own `prisoner.released` event escalates a drug-treatment referral not yet accepted; the same
// event twice is a duplicate that changes nothing; bad input, bad identities and an agency that
// does not speak this format are refused with the HTTP status and the JSON the listener
// documents.
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "services/crypto/pki.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/referrals.grpc.pb.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using nlohmann::json;

constexpr char kNoms[] = "A1234BC";

class AdapterEventsTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    StopBroker();
    config_.adapters_listen = "127.0.0.1:0";
    for (server::AgencyConfig& a : config_.agencies) {
      if (a.id == kReception.agency) {
        a.interface.format = "hmpps-events";
        a.interface.purpose = kReception.purpose;
      }
    }
    StartBroker();
  }

  // A client with `agency`'s system certificate (or with the given files), trusting the
  // development CA.
  std::unique_ptr<httplib::SSLClient> Client(const std::string& cert_file,
                                             const std::string& key_file) {
    auto client = std::make_unique<httplib::SSLClient>("localhost", broker_->adapters_port(),
                                                       cert_file, key_file);
    client->set_ca_cert_path(absl::StrCat(dir_, "/pki/ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(10);
    client->set_read_timeout(10);
    return client;
  }
  std::unique_ptr<httplib::SSLClient> ClientFor(const std::string& agency) {
    return Client(absl::StrCat(dir_, "/pki/", agency, ".pem"),
                  absl::StrCat(dir_, "/pki/", agency, ".key"));
  }

  // POSTs `event` to /events as `actor`, with a request id.
  httplib::Result Post(const Actor& actor, const std::string& event,
                       const std::string& authorization = "") {
    httplib::Headers headers = {
        {"Authorization", authorization.empty() ? "Bearer " + AssertionFor(actor) : authorization},
        {"X-Request-Id", "events-test-1"}};
    return ClientFor(actor.agency)->Post("/events", headers, event, "application/json");
  }

  // A prisoner.released event about `noms`, happening now by the broker's clock.
  std::string Released(const std::string& id, const std::string& noms = kNoms) const {
    json event = {
        {"id", id},
        {"eventType", "prison-offender-events.prisoner.released"},
        {"version", 1},
        {"occurredAt", absl::FormatTime("%Y-%m-%dT%H:%M:%S+00:00", clock_.Now(),
                                        absl::UTCTimeZone())},
        {"personReference", {{"identifiers", {{{"type", "NOMS"}, {"value", noms}}}}}},
        {"additionalInformation",
         {{"nomsNumber", noms}, {"reason", "RELEASED"}, {"prisonId", "XNG"}}}};
    return event.dump();
  }

  // The release date the adapter gives the event: its date in Europe/London.
  std::string LondonToday() const {
    absl::TimeZone london;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &london));
    return absl::FormatTime("%Y-%m-%d", clock_.Now(), london);
  }

  std::vector<v1::Delivery> Receive(const Actor& actor) {
    v1::ReceiveRequest req;
    req.set_max_messages(10);
    v1::ReceiveResponse out;
    grpc::Status s = v1::MessagingService::NewStub(ChannelFor(actor.agency))
                         ->Receive(ContextFor(actor).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.deliveries().begin(), out.deliveries().end()};
  }

  // The CARAT team's drug-treatment referral to the CJIT, for a release in 10 days, not accepted.
  v1::Referral Refer(const std::string& subject_id) {
    v1::SetHomeAreaRequest area;
    area.set_purpose(kReception.purpose);
    area.set_subject_id(subject_id);
    area.set_home_area("E99999001");
    v1::Subject subject;
    EXPECT_TRUE(Subjects(kReception.agency)
                    ->SetHomeArea(ContextFor(kReception).get(), area, &subject)
                    .ok());
    v1::Record record;
    EXPECT_TRUE(Records(kCarat.agency)
                    ->PutRecord(ContextFor(kCarat).get(), DirRequest(subject_id), &record)
                    .ok());
    RecordConsent(kCarat, subject_id, "drugs", "cjit-east", "direct_care");
    v1::CreateReferralRequest req;
    req.set_purpose("direct_care");
    req.set_referral_type("drug_treatment_on_release");
    req.set_subject_id(subject_id);
    req.add_records()->set_record_id(record.record_id());
    req.set_event_date(DateFromToday(10));
    req.set_idempotency_key("referral-1");
    v1::Referral referral;
    grpc::Status s = v1::ReferralService::NewStub(ChannelFor(kCarat.agency))
                         ->CreateReferral(ContextFor(kCarat).get(), req, &referral);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return referral;
  }
};

TEST_F(AdapterEventsTest, AReleasedEventEscalatesAnUnacceptedDrugReferralOnce) {
  const std::string subject_id = RegisterPerson(kNoms);
  const v1::Referral referral = Refer(subject_id);
  Receive(kCjit);  // the referral; the CJIT has not accepted it

  httplib::Result res = Post(kReception, Released("evt-released-1"));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "events-test-1");
  json body = json::parse(res->body);
  ASSERT_THAT(body["operations"], SizeIs(1));
  EXPECT_EQ(body["operations"][0]["source"], "");  // the whole event (RFC 6901)
  EXPECT_TRUE(body["operations"][0]["result"].is_object()) << body;  // a RecordReleaseResponse
  for (const Actor* side : {&kCarat, &kCjit}) {
    std::vector<v1::Delivery> got = Receive(*side);
    ASSERT_THAT(got, SizeIs(1)) << side->agency;
    ASSERT_TRUE(got[0].has_escalation());
    EXPECT_THAT(got[0].escalation().reason(), HasSubstr("not yet accepted"));
  }
  v1::GetReferralRequest get;
  get.set_purpose("direct_care");
  get.set_referral_id(referral.referral_id());
  v1::Referral read;
  ASSERT_TRUE(v1::ReferralService::NewStub(ChannelFor(kCarat.agency))
                  ->GetReferral(ContextFor(kCarat).get(), get, &read)
                  .ok());
  EXPECT_EQ(read.event_date(), LondonToday());

  // The publisher retries the same event: it is a duplicate, and nothing more is escalated.
  res = Post(kReception, Released("evt-released-1"));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json again = json::parse(res->body)["operations"][0]["result"];
  EXPECT_EQ(again["duplicate"], true) << again;
  EXPECT_EQ(again["requestId"], "events-test-1");
  EXPECT_THAT(Receive(kCarat), SizeIs(0));
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
}

TEST_F(AdapterEventsTest, AReceivedEventStartsCustodyOnceHoweverOftenItComes) {
  const std::string subject_id = RegisterPerson(kNoms);
  json event = json::parse(Released("evt-received-1"));
  event["eventType"] = "prison-offender-events.prisoner.received";
  event["additionalInformation"]["reason"] = "ADMISSION";
  for (int i = 0; i < 3; ++i) {
    httplib::Result res = Post(kReception, event.dump());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  v1::ListRelationshipsRequest list;
  list.set_purpose(kReception.purpose);
  list.set_subject_id(subject_id);
  v1::ListRelationshipsResponse relationships;
  ASSERT_TRUE(Subjects(kReception.agency)
                  ->ListRelationships(ContextFor(kReception).get(), list, &relationships)
                  .ok());
  // RegisterPerson's own custody, and the event's: one, not three.
  int custody = 0;
  for (const v1::Relationship& r : relationships.relationships()) {
    custody += r.kind() == v1::RELATIONSHIP_KIND_CUSTODY ? 1 : 0;
  }
  EXPECT_EQ(custody, 2);
}

TEST_F(AdapterEventsTest, AnUnknownPersonIsNotFoundAndBadInputNamesItsPointer) {
  httplib::Result res = Post(kReception, Released("evt-unknown", "Z9999ZZ"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404) << res->body;
  EXPECT_EQ(json::parse(res->body)["code"], "NOT_FOUND");

  json event = json::parse(Released("evt-bad"));
  event["personReference"]["identifiers"][0]["value"] = "A12";
  res = Post(kReception, event.dump());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(body["errors"][0]["where"], "/personReference/identifiers/0/value");
}

TEST_F(AdapterEventsTest, IdentitiesAreCheckedAsOverGrpc) {
  // No assertion; an expired one: 401, with the request id.
  httplib::Result res = Post(kReception, Released("evt-2"), "Bearer not-a-jwt");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_THAT(json::parse(res->body)["message"].get<std::string>(), HasSubstr("events-test-1"));
  res = Post(kReception, Released("evt-2"),
             "Bearer " + AssertionFor(kReception, absl::Seconds(-30)));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;

  // An agency whose interface is gRPC may not post events.
  res = Post(kOffenderManager, Released("evt-3"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_THAT(json::parse(res->body)["message"].get<std::string>(),
              HasSubstr("does not use the hmpps-events interface"));

  // No client certificate, or one from another CA: the handshake fails, nothing is answered.
  auto anonymous = std::make_unique<httplib::SSLClient>("localhost", broker_->adapters_port());
  anonymous->set_ca_cert_path(absl::StrCat(dir_, "/pki/ca.pem").c_str());
  anonymous->enable_server_certificate_verification(true);
  EXPECT_FALSE(anonymous->Post("/events", Released("evt-4"), "application/json"));

  ASSERT_OK_AND_ASSIGN(crypto::IssuedCertificate other_ca,
                       crypto::CreateCertificateAuthority("Some other CA",
                                                          absl::Now() - absl::Minutes(1),
                                                          absl::Now() + absl::Hours(1)));
  crypto::CertificateRequest req;
  req.common_name = "hmp-northgate-system";
  req.not_before = absl::Now() - absl::Minutes(1);
  req.not_after = absl::Now() + absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(crypto::IssuedCertificate cert, crypto::IssueCertificate(other_ca, req));
  const std::string cert_file = dir_ + "/other-ca-client.pem";
  const std::string key_file = dir_ + "/other-ca-client.key";
  std::ofstream(cert_file) << cert.certificate_pem;
  std::ofstream(key_file) << cert.private_key_pem;
  EXPECT_FALSE(Client(cert_file, key_file)->Post("/events", Released("evt-5"), "application/json"));
}

}  // namespace
}  // namespace throughcare::testing
