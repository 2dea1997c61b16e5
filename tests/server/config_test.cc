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
      {"    name: \"HMP Example\"", "    name: [", ":16: end of sequence flow not found"},
  };
  for (const Case& c : cases) {
    std::string path = Write(Replace(kValid, c.from, c.to));
    EXPECT_THAT(LoadConfig(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr(path + c.expected)))
        << c.expected;
  }
}

TEST_F(ConfigTest, DuplicateAgenciesAndCertificatesAreRefused) {
  std::string agency = std::string(kValid).substr(std::string(kValid).find("  - id:"));
  std::string twice = std::string(kValid) + agency;
  EXPECT_THAT(LoadConfig(Write(twice)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate agency id")));
  std::string other = Replace(agency, "id: hmp-example\n", "id: hmp-other\n");
  EXPECT_THAT(LoadConfig(Write(std::string(kValid) + other)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("certificate_cn 'hmp-example-system' is given to more than one")));
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadConfig("/nonexistent/throughcared.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/throughcared.yaml")));
}

}  // namespace
}  // namespace throughcare::server
