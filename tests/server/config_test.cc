#include "services/server/config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::testing::HasSubstr;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

constexpr char kValid[] = R"(listen: "127.0.0.1:7443"
tls:
  ca: pki/ca.pem
  certificate: pki/server.pem
  private_key: /abs/server.key
storage:
  sqlite_path: data/tc.db
master_key_file: keys/master.key
audit_signing_key_file: keys/audit.pem
policy_file: policy.yaml
agencies:
  - id: hmp-example
    kind: prison
    name: "HMP Example"
    home_areas: [E99999001]
    roles: [carat_worker]
    identity_key: keys/hmp.pub.pem
    systems:
      - id: hmp-example-system
        certificate_cn: hmp-example-system
audit_origin: test.throughcare.invalid/audit
)";

class ConfigTest : public ::testing::Test {
 protected:
  // One directory per test: ctest runs the tests of this file in parallel processes.
  std::string Write(const std::string& text) {
    std::string dir = ::testing::TempDir() + "/tc-config-test-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir);
    std::string path = dir + "/throughcared.yaml";
    std::ofstream(path) << text;
    return path;
  }
  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  }
};

TEST_F(ConfigTest, LoadsAndResolvesRelativePaths) {
  std::string path = Write(kValid);
  ASSERT_OK_AND_ASSIGN(BrokerConfig c, LoadConfig(path));
  std::string dir = std::filesystem::path(path).parent_path().lexically_normal().string();
  EXPECT_EQ(c.listen, "127.0.0.1:7443");
  EXPECT_EQ(c.tls_ca_file, dir + "/pki/ca.pem");
  EXPECT_EQ(c.tls_private_key_file, "/abs/server.key");
  EXPECT_EQ(c.sqlite_path, dir + "/data/tc.db");
  ASSERT_EQ(c.agencies.size(), 1u);
  EXPECT_EQ(c.agencies[0].kind, "prison");
  EXPECT_THAT(c.agencies[0].roles, ::testing::ElementsAre("carat_worker"));
  EXPECT_EQ(c.agencies[0].identity_key_file, dir + "/keys/hmp.pub.pem");
  EXPECT_EQ(c.agencies[0].systems[0].certificate_cn, "hmp-example-system");
}

TEST_F(ConfigTest, BrokerIdIsTheAssertionAudienceWithADefault) {
  ASSERT_OK_AND_ASSIGN(BrokerConfig defaulted, LoadConfig(Write(kValid)));
  EXPECT_EQ(defaulted.broker_id, "throughcare");
  ASSERT_OK_AND_ASSIGN(BrokerConfig named,
                       LoadConfig(Write(std::string("broker_id: east-broker-2\n") + kValid)));
  EXPECT_EQ(named.broker_id, "east-broker-2");
  const std::string path = Write(std::string("broker_id: East Broker\n") + kValid);
  EXPECT_THAT(LoadConfig(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr(path + ":1: broker_id must be")));
}

TEST_F(ConfigTest, MessagingSenderQuotaAndStreamCap) {
  ASSERT_OK_AND_ASSIGN(BrokerConfig defaulted, LoadConfig(Write(kValid)));
  EXPECT_EQ(defaulted.messaging.mailbox_sender_quota, 0) << "0: a fair share";
  EXPECT_EQ(defaulted.messaging.max_streams_per_agency, 16);
  ASSERT_OK_AND_ASSIGN(
      BrokerConfig set,
      LoadConfig(Write(std::string(kValid) +
                       "messaging:\n  mailbox_sender_quota: 250\n  max_streams_per_agency: 4\n")));
  EXPECT_EQ(set.messaging.mailbox_sender_quota, 250);
  EXPECT_EQ(set.messaging.max_streams_per_agency, 4);
  const std::string path = Write(std::string(kValid) + "messaging:\n  max_streams_per_agency: 0\n");
  EXPECT_THAT(LoadConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'max_streams_per_agency' must be a whole number from 1")));
}

TEST_F(ConfigTest, TheAuditLogsOriginAndTheAgenciesWitnesses) {
  std::string path = Write(Replace(kValid, "        certificate_cn: hmp-example-system\n",
                                   "        certificate_cn: hmp-example-system\n"
                                   "    witness:\n      name: hmp.example/witness\n"
                                   "      key: keys/hmp-witness.pub.pem\n"));
  ASSERT_OK_AND_ASSIGN(BrokerConfig c, LoadConfig(path));
  EXPECT_EQ(c.audit_origin, "test.throughcare.invalid/audit");
  EXPECT_EQ(c.audit_checkpoint_interval, absl::Seconds(1));
  EXPECT_EQ(c.agencies[0].witness_name, "hmp.example/witness");
  EXPECT_THAT(c.agencies[0].witness_key_file, ::testing::EndsWith("/keys/hmp-witness.pub.pem"));
  EXPECT_THAT(LoadConfig(Write(Replace(kValid, "audit_origin: test.throughcare.invalid/audit\n",
                                       ""))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing key 'audit_origin'")));
  EXPECT_THAT(LoadConfig(Write(Replace(kValid, "throughcare.invalid/audit", "a b"))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("audit_origin must have no spaces")));
  EXPECT_THAT(LoadConfig(Write(Replace(kValid, "        certificate_cn: hmp-example-system\n",
                                       "        certificate_cn: hmp-example-system\n"
                                       "    witness:\n      name: w\n"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing key 'key'")));
}

TEST_F(ConfigTest, StorageIsSqliteOrPostgres) {
  ASSERT_OK_AND_ASSIGN(BrokerConfig sqlite, LoadConfig(Write(kValid)));
  EXPECT_EQ(sqlite.postgres_dsn, "") << "SQLite unless told otherwise";
  const std::string postgres = Replace(
      kValid, "  sqlite_path: data/tc.db\n",
      "  postgres:\n    dsn: \"host=/run/postgresql dbname=throughcare\"\n    pool_size: 8\n");
  ASSERT_OK_AND_ASSIGN(BrokerConfig c, LoadConfig(Write(postgres)));
  EXPECT_EQ(c.postgres_dsn, "host=/run/postgresql dbname=throughcare");
  EXPECT_EQ(c.postgres_pool_size, 8);
  EXPECT_EQ(c.sqlite_path, "");
  ASSERT_OK_AND_ASSIGN(
      BrokerConfig defaulted,
      LoadConfig(Write(Replace(postgres, "    pool_size: 8\n", ""))));
  EXPECT_EQ(defaulted.postgres_pool_size, 4);

  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"    pool_size: 8\n", "    pool_size: 0\n",
       ":9: 'pool_size' must be a whole number from 1 to 64"},
      {"    pool_size: 8\n", "    pool_size: 2.5\n", ":9: 'pool_size' must be a whole number"},
      {"    dsn: \"host=/run/postgresql dbname=throughcare\"\n", "",
       ":8: missing key 'dsn'"},
      {"    pool_size: 8\n", "    pool: 8\n", ":9: unknown key 'pool' in storage.postgres"},
      {"  postgres:\n", "  sqlite_path: data/tc.db\n  postgres:\n", ":7: 'storage' holds one"},
      {"dbname=throughcare", "dbname throughcare",
       ":8: postgres dsn is not a libpq connection string"},
  };
  for (const Case& c : cases) {
    const std::string path = Write(Replace(postgres, c.from, c.to));
    EXPECT_THAT(LoadConfig(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr(path + c.expected)))
        << c.to;
  }
}

TEST_F(ConfigTest, EachAgencyDeclaresHowItConnects) {
  const std::string system = "        certificate_cn: hmp-example-system\n";
  const auto with = [&](const std::string& interface) {
    return LoadConfig(Write(Replace(kValid, system, system + "    interface:\n" + interface)));
  };
  ASSERT_OK_AND_ASSIGN(BrokerConfig plain, LoadConfig(Write(kValid)));
  EXPECT_EQ(plain.agencies[0].interface.format, "grpc");

  ASSERT_OK_AND_ASSIGN(BrokerConfig events,
                       with("      format: hmpps-events\n      purpose: resettlement\n"
                            "      endpoint: https://events.hmp-example.invalid/throughcare\n"));
  EXPECT_EQ(events.agencies[0].interface.format, "hmpps-events");
  EXPECT_EQ(events.agencies[0].interface.purpose, "resettlement");
  EXPECT_EQ(events.agencies[0].interface.endpoint,
            "https://events.hmp-example.invalid/throughcare");

  ASSERT_OK_AND_ASSIGN(BrokerConfig files,
                       with("      format: csv-files\n      purpose: resettlement\n"
                            "      inbox: drop/in\n      outbox: /srv/drop/out\n"
                            "      user: csv-drop\n      role: carat_worker\n"));
  const AgencyInterface& csv = files.agencies[0].interface;
  EXPECT_THAT(csv.inbox, ::testing::EndsWith("/drop/in"));
  EXPECT_TRUE(std::filesystem::path(csv.inbox).is_absolute()) << csv.inbox;
  EXPECT_EQ(csv.outbox, "/srv/drop/out");
  EXPECT_EQ(csv.user, "csv-drop");
  EXPECT_EQ(csv.role, "carat_worker");

  struct Case {
    std::string interface, expected;
  };
  std::vector<Case> cases = {
      {"      format: fax\n",
       ":22: unknown interface format 'fax' (expected one of: grpc, csv-files"},
      {"      format: hmpps-events\n", ":22: missing key 'purpose'"},
      {"      format: grpc\n      purpose: resettlement\n", ":23: unknown key 'purpose'"},
      {"      format: hmpps-events\n      purpose: resettlement\n      inbox: in\n",
       ":24: unknown key 'inbox'"},
      {"      format: hmpps-events\n      purpose: resettlement\n"
       "      endpoint: http://x.invalid\n",
       ":24: 'endpoint' must be an https:// URL"},
      {"      format: csv-files\n      purpose: resettlement\n      inbox: in\n      outbox: out\n"
       "      user: csv-drop\n      role: governor\n",
       ":27: role 'governor' is not one of the agency's roles (carat_worker)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(with(c.interface),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.expected)))
        << c.interface;
  }
}

TEST_F(ConfigTest, ErrorsNameTheFileAndLine) {
  struct Case {
    std::string from, to, expected;
  };
  std::vector<Case> cases = {
      {"listen:", "listn:", ":1: unknown key 'listn'"},
      {"  ca: pki/ca.pem\n", "", ":3: missing key 'ca'"},
      {"    kind: prison", "    kind: jail", ":13: unknown agency kind 'jail'"},
      {"  - id: hmp-example", "  - id: HMP_Example", ":12: agency id must be"},
      {"    roles: [carat_worker]", "    roles: []", ":16: 'roles' must not be empty"},
      {"        certificate_cn: hmp-example-system\n", "", ":19: missing key 'certificate_cn'"},
      // yaml-cpp notices an unclosed flow sequence where the next one ends.
      // (The one YAML reader, services/core/yaml.h, says which kind of error it is.)
      {"    name: \"HMP Example\"", "    name: [",
       ":16: YAML syntax error: end of sequence flow not found"},
  };
  for (const Case& c : cases) {
    std::string path = Write(Replace(kValid, c.from, c.to));
    EXPECT_THAT(LoadConfig(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr(path + c.expected)))
        << c.expected;
  }
}

TEST_F(ConfigTest, DuplicateAgenciesAndCertificatesAreRefused) {
  // The agency list is last but for the audit origin: the copy goes before it.
  const std::string origin = "audit_origin: test.throughcare.invalid/audit\n";
  const std::string valid = Replace(kValid, origin, "");
  std::string agency = valid.substr(valid.find("  - id:"));
  std::string twice = valid + agency + origin;
  EXPECT_THAT(LoadConfig(Write(twice)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate agency id")));
  std::string other = Replace(agency, "id: hmp-example\n", "id: hmp-other\n");
  EXPECT_THAT(LoadConfig(Write(valid + other + origin)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("certificate_cn 'hmp-example-system' is given to more than one")));
}

constexpr char kDirectory[] = R"(bank_holidays: [2026-12-25]
referral_types:
  - id: drug_treatment_on_release
    description: CARAT to the CJIT for the home area.
    data_class: drugs
    purpose: direct_care
    routing: home_area
    escalate_at_release: true
    supervisor_role: team_manager
    deadlines:
      - name: acknowledged
        reach: received
        within: 2 working days
        after: creation
      - name: accepted_before_release
        reach: accepted
        before: event
contacts:
  - agency: hmp-example
    referral_type: drug_treatment_on_release
    contact: The example team
)";

TEST_F(ConfigTest, LoadsTheReferralDirectory) {
  std::string path = Write(std::string(kValid) + "directory_file: directory.yaml\n");
  std::ofstream(std::filesystem::path(path).parent_path() / "directory.yaml") << kDirectory;
  ASSERT_OK_AND_ASSIGN(BrokerConfig c, LoadConfig(path));
  const referrals::ReferralType* type = c.directory.FindType("drug_treatment_on_release");
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->by_home_area);
  EXPECT_TRUE(type->escalate_at_release);
  ASSERT_EQ(type->deadlines.size(), 2u);
  EXPECT_EQ(type->deadlines[0].days, 2);
  EXPECT_TRUE(type->deadlines[0].working_days);
  EXPECT_EQ(type->deadlines[0].supervisor_role, "team_manager");
  EXPECT_TRUE(type->deadlines[1].before_event);
  EXPECT_FALSE(c.directory.calendar().IsWorkingDay(absl::CivilDay(2026, 12, 25)));
  ASSERT_OK_AND_ASSIGN(referrals::Recipient r,
                       c.directory.Resolve("drug_treatment_on_release", "E99999001"));
  EXPECT_EQ(r.agency_id, "hmp-example");
  EXPECT_EQ(r.agency_name, "HMP Example");
  EXPECT_EQ(r.contact, "The example team");
}

TEST_F(ConfigTest, DirectoryErrorsNameTheFileAndLine) {
  struct Case {
    std::string from, to, expected;
  };
  std::vector<Case> cases = {
      {"    routing: home_area", "    routing: nearest", ":7: 'routing' must be"},
      {"        within: 2 working days", "        within: 2 fortnights", ":13: 'within' must be"},
      {"        reach: accepted", "        reach: housed", ":16: unknown state 'housed'"},
      {"  - agency: hmp-example", "  - agency: hmp-nowhere", ":19: unknown agency 'hmp-nowhere'"},
      {"    referral_type: drug_treatment_on_release\n  ",
       "    referral_type: dental\n  ", "unknown referral type 'dental'"},
      {"bank_holidays: [2026-12-25]", "bank_holidays: [25/12/2026]", ":1: bank holiday"},
      {"        reach: accepted", "        reach: first_contact",
       ":8: 'escalate_at_release' needs a deadline with 'reach: accepted'"},
  };
  for (const Case& c : cases) {
    std::string path = Write(std::string(kValid) + "directory_file: directory.yaml\n");
    const std::string directory =
        (std::filesystem::path(path).parent_path() / "directory.yaml").lexically_normal().string();
    std::ofstream(directory) << Replace(kDirectory, c.from, c.to);
    EXPECT_THAT(LoadConfig(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr(c.expected)))
        << c.expected;
    if (c.expected[0] == ':') {
      EXPECT_THAT(LoadConfig(path).status().message(), HasSubstr(directory + c.expected));
    }
  }
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadConfig("/nonexistent/throughcared.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/throughcared.yaml")));
}

}  // namespace
}  // namespace throughcare::server
