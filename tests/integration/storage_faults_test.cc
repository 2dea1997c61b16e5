// The broker on a real full disk: its database on a small tmpfs (tests/testing/full_disk.h) that
// the test fills and then empties. Callers are told the storage is full, whether they write or
// only read (which must be audited); health, metrics and the log say so; and the broker recovers
// by itself once space is freed.
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/fixture.h"
#include "tests/testing/full_disk.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class StorageFaultsTest : public BrokerTest {
 protected:
  void SetUp() override {
    if (!FullDiskSupport().ok()) GTEST_SKIP() << FullDiskSupport().message();
    BrokerTest::SetUp();
    StopBroker();
    disk_ = dir_ + "/disk";
    ASSERT_THAT(MountTmpfs(disk_, 4 << 20), IsOk());
    config_.sqlite_path = disk_ + "/throughcare.db";
    config_.metrics_listen = "127.0.0.1:0";
    StartBroker();
  }
  void TearDown() override {
    if (dir_.empty()) return;  // skipped
    if (broker_ != nullptr) StopBroker();
    if (!disk_.empty()) {
      EXPECT_THAT(UnmountTmpfs(disk_), IsOk());
    }
    BrokerTest::TearDown();
  }

  HealthCheckResponse::ServingStatus Health() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest req;  // the whole broker
    HealthCheckResponse out;
    grpc::Status s = grpc::health::v1::Health::NewStub(ChannelFor("ig-office"))
                         ->Check(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.status();
  }

  grpc::Status Register(const std::string& noms) {
    v1::RegisterSubjectRequest req;
    req.set_purpose(kReception.purpose);
    req.add_identifiers()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    req.mutable_identifiers(0)->set_value(noms);
    v1::Subject out;
    return Subjects(kReception.agency)->RegisterSubject(ContextFor(kReception).get(), req, &out);
  }

  // A read that writes nothing but its audit entry.
  grpc::Status Resolve(const std::string& noms) {
    v1::ResolveIdentifierRequest req;
    req.set_purpose(kReception.purpose);
    req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    req.mutable_identifier()->set_value(noms);
    v1::Subject out;
    return Subjects(kReception.agency)
        ->ResolveIdentifier(ContextFor(kReception).get(), req, &out);
  }

  std::string disk_;
};

// What the caller is told, without the request id.
std::string Told(const grpc::Status& s) {
  return s.error_message().substr(0, s.error_message().find(" (request id"));
}

TEST_F(StorageFaultsTest, AFullDiskIsReportedAndTheBrokerRecoversWhenSpaceIsFreed) {
  RegisterPerson("A1234BC");
  ASSERT_EQ(Health(), HealthCheckResponse::SERVING);
  ASSERT_OK_AND_ASSIGN(const std::string filler, FillDisk(disk_));
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();

  const grpc::Status write = Register("B2345CD");
  EXPECT_EQ(write.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << write.error_message();
  EXPECT_THAT(write.error_message(), StartsWith("storage is full: "));
  EXPECT_THAT(write.error_message(), HasSubstr("(request id req_"));
  const grpc::Status read = Resolve("A1234BC");
  EXPECT_EQ(read.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << read.error_message();
  EXPECT_EQ(Told(read), Told(write)) << "the same words for a read as for a write";
  EXPECT_EQ(Health(), HealthCheckResponse::NOT_SERVING);
  std::string metrics = ScrapeMetrics();
  EXPECT_EQ(Metric(metrics, "throughcare_storage_full"), 1);
  EXPECT_EQ(Metric(metrics, "throughcare_storage_healthy"), 0);
  EXPECT_GE(Metric(metrics, "throughcare_storage_failures_total{condition=\"full\"}"), 2);
  EXPECT_EQ(Metric(metrics, "throughcare_rpcs_total{code=\"RESOURCE_EXHAUSTED\","
                            "method=\"ResolveIdentifier\"}"),
            1);

  // Space comes back; the next round of periodic work finds that writes commit again.
  std::filesystem::remove(filler);
  broker_->RunPeriodicWork();
  EXPECT_EQ(Health(), HealthCheckResponse::SERVING);
  EXPECT_TRUE(Resolve("A1234BC").ok());
  EXPECT_TRUE(Register("B2345CD").ok());
  metrics = ScrapeMetrics();
  EXPECT_EQ(Metric(metrics, "throughcare_storage_full"), 0);
  EXPECT_EQ(Metric(metrics, "throughcare_storage_healthy"), 1);

  const std::string log =
      ::testing::internal::GetCapturedStderr() + ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(log, HasSubstr("event=storage_full storage=" + config_.sqlite_path));
  EXPECT_THAT(log, HasSubstr("event=storage_recovered"));
}

}  // namespace
}  // namespace throughcare::testing
