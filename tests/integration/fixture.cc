#include "tests/integration/fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/crypto/assertion.h"
#include "services/core/files.h"
#include "services/server/dev_setup.h"
#include "tests/storage/postgres_test_server.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {

const Actor BrokerTest::kReception{"hmp-northgate", "reception-officer-1", "prison_reception",
                                   "offender_management"};
const Actor BrokerTest::kHealthcare{"hmp-northgate-healthcare", "nurse-1", "prison_healthcare",
                                    "direct_care"};
const Actor BrokerTest::kOffenderManager{"probation-east", "om-1", "offender_manager",
                                         "offender_management"};
const Actor BrokerTest::kHousing{"housing-east", "housing-officer-1", "housing_officer",
                                 "resettlement"};
const Actor BrokerTest::kCarat{"hmp-northgate", "carat-worker-1", "carat_worker", "direct_care"};
const Actor BrokerTest::kAuditor{"ig-office", "auditor-1", "auditor", "audit"};
const Actor BrokerTest::kCjit{"cjit-east", "cjit-worker-1", "cjit_worker", "direct_care"};

bool BrokerTest::OnPostgres() {
  const char* state = std::getenv("TC_BROKER_POSTGRES");
  return state != nullptr && *state != '\0';
}

void BrokerTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = (std::filesystem::temp_directory_path() /
          absl::StrCat("tc-it-", getpid(), "-", info->test_suite_name(), "-", info->name()))
             .string();
  std::filesystem::remove_all(dir_);
  ASSERT_OK_AND_ASSIGN(std::string config_path,
                       server::PrepareDevEnvironment(dir_, "127.0.0.1:0", absl::Now()));
  ASSERT_OK_AND_ASSIGN(config_, server::LoadConfig(config_path));
  if (OnPostgres()) {
    ASSERT_THAT(UsePostgresServerIn(std::getenv("TC_BROKER_POSTGRES")), IsOk());
    ASSERT_OK_AND_ASSIGN(config_.postgres_dsn, PostgresDatabaseFor(dir_));
  }
  // Metrics are served only where a test asks (stopping the HTTP server takes about 2 s).
  config_.metrics_listen = "";
  StartBroker();
}

std::string BrokerTest::DateFromToday(int days) const {
  return absl::FormatCivilTime(absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone()) + days);
}

v1::PutRecordRequest BrokerTest::DirRequest(const std::string& subject_id) const {
  v1::PutRecordRequest dir;
  dir.set_purpose("direct_care");
  dir.set_subject_id(subject_id);
  dir.set_data_class("drugs");
  dir.mutable_body()->mutable_drug_interventions_record()->set_assessment_date(DateFromToday(-30));
  dir.mutable_body()->mutable_drug_interventions_record()->add_substances("heroin");
  return dir;
}

std::string BrokerTest::ScrapeMetrics() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(broker_->metrics_port()));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) response.append(buf, n);
    }
  }
  close(fd);
  return response;
}

double BrokerTest::Metric(const std::string& scrape, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ")) {
      double value = 0;
      return absl::SimpleAtod(line, &value) ? value : -1;
    }
  }
  return -1;
}

void BrokerTest::StartBroker() {
  ASSERT_OK_AND_ASSIGN(broker_, server::Broker::Start(config_, clock_));
  target_ = absl::StrCat("localhost:", broker_->port());
}

void BrokerTest::StopBroker() {
  broker_->Shutdown(absl::Seconds(5));
  broker_.reset();
}

void BrokerTest::TearDown() {
  if (broker_ != nullptr) StopBroker();
  std::filesystem::remove_all(dir_);
}

void BrokerTest::ServeAdapters(const Actor& actor, const std::string& format) {
  StopBroker();
  config_.adapters_listen = "127.0.0.1:0";
  for (server::AgencyConfig& a : config_.agencies) {
    if (a.id == actor.agency) {
      a.interface.format = format;
      a.interface.purpose = actor.purpose;
    }
  }
  StartBroker();
}

std::unique_ptr<httplib::SSLClient> BrokerTest::AdapterClient(const std::string& agency) {
  auto client = std::make_unique<httplib::SSLClient>(
      "localhost", broker_->adapters_port(), absl::StrCat(dir_, "/pki/", agency, ".pem"),
      absl::StrCat(dir_, "/pki/", agency, ".key"));
  client->set_ca_cert_path(absl::StrCat(dir_, "/pki/ca.pem").c_str());
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(10);
  client->set_read_timeout(10);
  return client;
}

std::vector<v1::Delivery> BrokerTest::Receive(const Actor& actor) {
  v1::ReceiveRequest req;
  req.set_max_messages(10);
  v1::ReceiveResponse out;
  grpc::Status s = v1::MessagingService::NewStub(ChannelFor(actor.agency))
                       ->Receive(ContextFor(actor).get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return {out.deliveries().begin(), out.deliveries().end()};
}

std::string BrokerTest::ReadDevFile(const std::string& relative) const {
  auto contents = ReadFile(absl::StrCat(dir_, "/", relative));
  EXPECT_TRUE(contents.ok()) << contents.status();
  return contents.ok() ? *contents : "";
}

std::shared_ptr<grpc::Channel> BrokerTest::ChannelWith(const std::string& cert_pem,
                                                       const std::string& key_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadDevFile("pki/ca.pem");
  options.pem_cert_chain = cert_pem;
  options.pem_private_key = key_pem;
  // A fresh channel per call site: tests must not share connections across identities.
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  return grpc::CreateCustomChannel(target_, grpc::SslCredentials(options), args);
}

std::shared_ptr<grpc::Channel> BrokerTest::ChannelFor(const std::string& agency) {
  return ChannelWith(ReadDevFile(absl::StrCat("pki/", agency, ".pem")),
                     ReadDevFile(absl::StrCat("pki/", agency, ".key")));
}

std::unique_ptr<client::Connection> BrokerTest::ClientConnection(const Actor& actor) {
  client::ConnectionSettings settings;
  settings.server = target_;
  settings.ca_file = absl::StrCat(dir_, "/pki/ca.pem");
  settings.cert_file = absl::StrCat(dir_, "/pki/", actor.agency, ".pem");
  settings.key_file = absl::StrCat(dir_, "/pki/", actor.agency, ".key");
  settings.identity_key_file = absl::StrCat(dir_, "/keys/", actor.agency, "-identity.pem");
  settings.agency = actor.agency;
  settings.user = actor.user;
  settings.role = actor.role;
  client::Connection::Options options;
  options.now = [this] { return clock_.Now(); };
  options.channel.own_connection = true;
  auto connection = client::Connection::Open(settings, options);
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? *std::move(connection) : nullptr;
}

std::string BrokerTest::AssertionFor(const Actor& actor, absl::Duration valid_for) {
  crypto::Assertion a;
  a.agency_id = actor.agency;
  a.user_id = actor.user;
  a.role = actor.role;
  a.issued_at = clock_.Now() - absl::Seconds(1);
  a.expires_at = clock_.Now() + valid_for;
  auto token =
      crypto::MintAssertion(a, ReadDevFile(absl::StrCat("keys/", actor.agency, "-identity.pem")));
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : "";
}

std::unique_ptr<grpc::ClientContext> BrokerTest::ContextFor(const Actor& actor) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + AssertionFor(actor));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

std::string BrokerTest::RegisterPerson(const std::string& noms) {
  v1::RegisterSubjectRequest req;
  req.set_purpose(kReception.purpose);
  req.add_identifiers()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  req.mutable_identifiers(0)->set_value(noms);
  v1::Subject subject;
  grpc::Status s =
      Subjects(kReception.agency)->RegisterSubject(ContextFor(kReception).get(), req, &subject);
  EXPECT_TRUE(s.ok()) << s.error_message();
  Relate(kReception, subject.subject_id(), v1::RELATIONSHIP_KIND_CUSTODY);
  return subject.subject_id();
}

std::string BrokerTest::Relate(const Actor& actor, const std::string& subject_id,
                               v1::RelationshipKind kind) {
  v1::StartRelationshipRequest req;
  req.set_purpose(actor.purpose);
  req.set_subject_id(subject_id);
  req.set_kind(kind);
  // Outside a workflow (custody by reception, allocation by probation) a start is a self-claim,
  // which needs a reason: the note.
  req.set_note("Synthetic test case: the agency works with the person.");
  v1::Relationship out;
  grpc::Status s = Subjects(actor.agency)->StartRelationship(ContextFor(actor).get(), req, &out);
  EXPECT_TRUE(s.ok()) << actor.role << ": " << s.error_message();
  return out.relationship_id();
}

std::string BrokerTest::RecordConsent(const Actor& recorder, const std::string& subject_id,
                                      const std::string& data_class,
                                      const std::string& recipient_agency,
                                      const std::string& purpose, absl::Duration valid_for) {
  v1::RecordConsentRequest req;
  req.set_purpose(recorder.purpose);
  req.set_subject_id(subject_id);
  req.add_data_classes(data_class);
  req.add_recipient_agencies(recipient_agency);
  req.add_purposes(purpose);
  req.mutable_valid_until()->set_seconds(absl::ToUnixSeconds(clock_.Now() + valid_for));
  req.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
  req.set_evidence_reference("consent form 2026/001 (synthetic)");
  v1::Consent out;
  grpc::Status s = Consents(recorder.agency)->RecordConsent(ContextFor(recorder).get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out.consent_id();
}

std::unique_ptr<v1::ConsentService::Stub> BrokerTest::Consents(const std::string& agency) {
  return v1::ConsentService::NewStub(ChannelFor(agency));
}

std::unique_ptr<v1::SubjectService::Stub> BrokerTest::Subjects(const std::string& agency) {
  return v1::SubjectService::NewStub(ChannelFor(agency));
}
std::unique_ptr<v1::RecordService::Stub> BrokerTest::Records(const std::string& agency) {
  return v1::RecordService::NewStub(ChannelFor(agency));
}
std::unique_ptr<v1::AuditService::Stub> BrokerTest::Audit(const std::string& agency) {
  return v1::AuditService::NewStub(ChannelFor(agency));
}

}  // namespace throughcare::testing
