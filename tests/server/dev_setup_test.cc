#include "services/core/files.h"
#include "services/server/dev_setup.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "services/policy/policy.h"
#include "services/server/config.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::throughcare::testing::IsOk;

TEST(DevSetupTest, CreatesAWorkingEnvironmentOnceWithPrivateKeys) {
  std::string dir = ::testing::TempDir() + "/tc-dev-setup-test";
  std::filesystem::remove_all(dir);
  ASSERT_OK_AND_ASSIGN(std::string config_path,
                       PrepareDevEnvironment(dir, "127.0.0.1:7443", absl::Now()));
  ASSERT_OK_AND_ASSIGN(BrokerConfig config, LoadConfig(config_path));
  EXPECT_EQ(config.agencies.size(), 8u);
  EXPECT_EQ(config.directory_file,
            std::filesystem::path(dir + "/directory.yaml").lexically_normal().string());
  ASSERT_OK_AND_ASSIGN(referrals::Recipient cjit,
                       config.directory.Resolve("drug_treatment_on_release", "E99999001"));
  EXPECT_EQ(cjit.agency_id, "cjit-east");
  EXPECT_THAT(policy::Policy::LoadFile(config.policy_file), IsOk());
  for (const AgencyConfig& a : config.agencies) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/profiles/" + a.id + ".yaml")) << a.id;
    EXPECT_TRUE(std::filesystem::exists(a.identity_key_file)) << a.id;
    struct stat st;
    ASSERT_EQ(stat((dir + "/pki/" + a.id + ".key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << "private keys are readable by the owner only";
  }
  ASSERT_OK_AND_ASSIGN(std::string master, ReadFile(config.master_key_file));
  EXPECT_EQ(master.size(), 65u);  // 64 hex digits and a newline

  // A second run keeps everything, keys included, but brings the demo policy up to date.
  { std::ofstream(config.policy_file) << "# edited by hand\n"; }
  ASSERT_OK_AND_ASSIGN(std::string again, PrepareDevEnvironment(dir, "127.0.0.1:9999", absl::Now()));
  EXPECT_EQ(again, config_path);
  ASSERT_OK_AND_ASSIGN(std::string master_again, ReadFile(config.master_key_file));
  EXPECT_EQ(master_again, master);
  ASSERT_OK_AND_ASSIGN(BrokerConfig reloaded, LoadConfig(config_path));
  EXPECT_EQ(reloaded.listen, "127.0.0.1:7443");
  ASSERT_OK_AND_ASSIGN(std::string policy, ReadFile(config.policy_file));
  EXPECT_EQ(policy, kDemoPolicy);
  ASSERT_OK_AND_ASSIGN(std::string directory, ReadFile(dir + "/directory.yaml"));
  EXPECT_EQ(directory, kDemoDirectory);
  std::filesystem::remove_all(dir);
}

TEST(DevSetupTest, AnEnvironmentFromAnOlderBrokerGetsTheDirectoryItCanUse) {
  std::string dir = ::testing::TempDir() + "/tc-dev-setup-old";
  std::filesystem::remove_all(dir);
  ASSERT_OK_AND_ASSIGN(std::string config_path,
                       PrepareDevEnvironment(dir, "127.0.0.1:7443", absl::Now()));
  // As made before referrals: no directory_file, and without the health agency.
  ASSERT_OK_AND_ASSIGN(std::string text, ReadFile(config_path));
  const size_t line = text.find("directory_file: directory.yaml\n");
  ASSERT_NE(line, std::string::npos);
  text.erase(line, std::string("directory_file: directory.yaml\n").size());
  const size_t health = text.find("\n  - id: health-east\n");
  const size_t next = text.find("\n  - id: ", health + 1);  // the next agency
  ASSERT_NE(health, std::string::npos);
  ASSERT_NE(next, std::string::npos);
  text.erase(health, next - health);
  { std::ofstream(config_path) << text; }
  std::filesystem::remove(dir + "/directory.yaml");

  ASSERT_OK_AND_ASSIGN(std::string again, PrepareDevEnvironment(dir, "127.0.0.1:7443", absl::Now()));
  ASSERT_OK_AND_ASSIGN(BrokerConfig config, LoadConfig(again));
  EXPECT_EQ(config.agencies.size(), 7u);
  EXPECT_THAT(config.directory.Resolve("drug_treatment_on_release", "E99999001"), IsOk());
  EXPECT_EQ(config.directory.Resolve("health_continuity_on_release", "E99999001").status().code(),
            absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace throughcare::server
