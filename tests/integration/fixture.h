// A real broker on a loopback port with the development PKI, and real clients per demo agency.
#ifndef THROUGHCARE_TESTS_INTEGRATION_FIXTURE_H_
#define THROUGHCARE_TESTS_INTEGRATION_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <memory>
#include <string>

#include "client/connection.h"
#include "gtest/gtest.h"
#include "services/server/broker.h"
#include "services/server/config.h"
#include "throughcare/clock.h"
#include "throughcare/v1/audit.grpc.pb.h"
#include "throughcare/v1/consent.grpc.pb.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/records.grpc.pb.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::testing {

// Who a test client acts as.
struct Actor {
  std::string agency;   // demo agency id, e.g. "probation-east"
  std::string user;     // practitioner id
  std::string role;
  std::string purpose;  // the purpose this practitioner usually works under
};

class BrokerTest : public ::testing::Test {
 protected:
  // Whether the broker keeps its data on PostgreSQL: when TC_BROKER_POSTGRES names the state
  // folder of a tests/storage/postgres_server.sh server (ctest's postgres variants of these
  // tests), each test's broker gets a database of its own there; otherwise a SQLite file.
  static bool OnPostgres();

  void SetUp() override;
  void TearDown() override;

  // Stops the broker (keeping its files), e.g. before editing the database directly.
  void StopBroker();
  void StartBroker();

  // A channel with the agency's own system certificate.
  std::shared_ptr<grpc::Channel> ChannelFor(const std::string& agency);
  // A channel with any client certificate and key (PEM), trusting the development CA.
  std::shared_ptr<grpc::Channel> ChannelWith(const std::string& cert_pem,
                                             const std::string& key_pem);
  // A signed practitioner assertion from the agency's identity key, valid for 10 minutes from
  // the broker's clock unless told otherwise.
  std::string AssertionFor(const Actor& actor, absl::Duration valid_for = absl::Minutes(10));
  // A client context carrying the actor's assertion and a 10 s deadline.
  std::unique_ptr<grpc::ClientContext> ContextFor(const Actor& actor);

  std::unique_ptr<v1::SubjectService::Stub> Subjects(const std::string& agency);
  std::unique_ptr<v1::RecordService::Stub> Records(const std::string& agency);
  std::unique_ptr<v1::AuditService::Stub> Audit(const std::string& agency);

  std::string ReadDevFile(const std::string& relative) const;
  // The CLI's client library connected as the actor's agency system, minting the actor's
  // assertions on the broker's clock.
  std::unique_ptr<client::Connection> ClientConnection(const Actor& actor);
  // A plain HTTP/1.0 GET of /metrics from the broker's metrics port (config_.metrics_listen
  // must be set before the broker starts).
  std::string ScrapeMetrics();
  // The value of one series in a scrape, e.g. Metric(text, "throughcare_storage_full") or
  // Metric(text, "throughcare_mailbox_depth{agency=\"cjit-east\"}"); -1 when it is absent.
  static double Metric(const std::string& scrape, const std::string& series);

  // Restarts the broker with the adapters' HTTPS listener, and `actor`'s agency connecting in
  // `format` (an adapter format's name) for the actor's usual purpose.
  void ServeAdapters(const Actor& actor, const std::string& format);
  // An HTTPS client of the adapters' listener with the agency's system certificate, trusting
  // the development CA.
  std::unique_ptr<httplib::SSLClient> AdapterClient(const std::string& agency);
  // Up to 10 deliveries waiting for the actor's agency (MessagingService.Receive).
  std::vector<v1::Delivery> Receive(const Actor& actor);

  // The demo's first steps, for tests that need a known person: reception registers them by
  // NOMS number and records custody. Returns the subject id.
  std::string RegisterPerson(const std::string& noms = "A1234BC");
  // The actor's agency starts a relationship with the person, with a note long enough to be the
  // reason a self-claimed relationship needs. Returns its id.
  std::string Relate(const Actor& actor, const std::string& subject_id,
                     v1::RelationshipKind kind = v1::RELATIONSHIP_KIND_ALLOCATION);
  // `recorder` records the person's consent (signed form) for `data_class`, to
  // `recipient_agency`, for `purpose`, valid for `valid_for` from the broker's clock.
  std::string RecordConsent(const Actor& recorder, const std::string& subject_id,
                            const std::string& data_class, const std::string& recipient_agency,
                            const std::string& purpose,
                            absl::Duration valid_for = absl::Hours(24 * 90));
  std::unique_ptr<v1::ConsentService::Stub> Consents(const std::string& agency);
  // A synthetic drug interventions record (DIR) about the person, to put as the CARAT team
  // (purpose direct_care, data class drugs; substances: heroin; assessed 30 days ago).
  v1::PutRecordRequest DirRequest(const std::string& subject_id) const;
  // The date `days` from today by the broker's clock (UTC), as YYYY-MM-DD. Every date a test
  // gives the broker comes from here, so no test depends on the day it runs.
  std::string DateFromToday(int days) const;

  // Demo actors.
  static const Actor kReception;      // hmp-northgate, prison_reception
  static const Actor kHealthcare;     // hmp-northgate-healthcare, prison_healthcare
  static const Actor kOffenderManager;  // probation-east, offender_manager
  static const Actor kHousing;        // housing-east, housing_officer
  static const Actor kCarat;          // hmp-northgate, carat_worker
  static const Actor kAuditor;        // ig-office, auditor
  static const Actor kCjit;           // cjit-east, cjit_worker

  std::string dir_;
  server::BrokerConfig config_;
  FakeClock clock_{absl::Now()};
  std::unique_ptr<server::Broker> broker_;
  std::string target_;
};

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_INTEGRATION_FIXTURE_H_
