#include "client/connection.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "client/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::client {
namespace {

using ::testing::HasSubstr;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tc-connection-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string Pem(const std::string& name) {
    return Write(name, "-----BEGIN " + name + "-----\nAAAA\n-----END " + name + "-----\n");
  }

  std::filesystem::path dir_;
};

TEST(GrpcStatusTest, SameCodeAndMessage) {
  EXPECT_THAT(FromGrpcStatus(grpc::Status::OK), IsOk());
  EXPECT_THAT(FromGrpcStatus(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no rule")),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::StrEq("no rule")));
  EXPECT_THAT(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "")),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::OK), "OK");
}

TEST_F(ConnectionTest, ReadsTheThreePemFiles) {
  ConnectionSettings settings;
  settings.ca_file = Pem("CA");
  settings.cert_file = Pem("CERTIFICATE");
  settings.key_file = Pem("KEY");
  absl::StatusOr<grpc::SslCredentialsOptions> tls = ReadTlsCredentials(settings);
  ASSERT_THAT(tls, IsOk());
  EXPECT_THAT(tls->pem_root_certs, HasSubstr("BEGIN CA"));
  EXPECT_THAT(tls->pem_cert_chain, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(tls->pem_private_key, HasSubstr("BEGIN KEY"));
}

TEST_F(ConnectionTest, TlsErrorsNameTheSetting) {
  ConnectionSettings settings;
  settings.ca_file = (dir_ / "missing.pem").string();
  settings.cert_file = Write("cert.txt", "not a certificate");
  settings.key_file = Pem("KEY");
  EXPECT_THAT(ReadTlsCredentials(settings),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("CA certificate (--ca): cannot read")));
  settings.ca_file = Pem("CA");
  EXPECT_THAT(ReadTlsCredentials(settings),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StrEq("client certificate (--cert): " + settings.cert_file +
                                        " is not a PEM file")));
}

TEST_F(ConnectionTest, OpensAChannelWithoutConnecting) {
  ConnectionSettings settings;
  settings.server = "127.0.0.1:1";
  settings.ca_file = Pem("CA");
  settings.cert_file = Pem("CERTIFICATE");
  settings.key_file = Pem("KEY");
  settings.token = "a.b.c";
  Connection::Options options;
  options.channel.quick_reconnect = true;
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(settings, options);
  ASSERT_THAT(connection, IsOk());
  EXPECT_NE((*connection)->channel(), nullptr);
  EXPECT_EQ((*connection)->server(), "127.0.0.1:1");
  EXPECT_THAT((*connection)->NewContext(), IsOk());

  settings.server.clear();
  EXPECT_THAT(Connection::Open(settings, options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("missing setting: server address: give --server")));
}

TEST(ErrorOriginTest, DecidesTheExitCode) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("--ttl: bad")), kExitUsage);
  const absl::Status refused =
      MarkOrigin(absl::PermissionDeniedError("no rule"), ErrorOrigin::kServer);
  EXPECT_EQ(ExitCodeFor(refused), kExitServerError);
  EXPECT_EQ(DescribeError(refused), "error: PERMISSION_DENIED: no rule");
  EXPECT_EQ(ExitCodeFor(MarkOrigin(absl::UnavailableError("x"), ErrorOrigin::kUnreachable)),
            kExitUnreachable);
  const absl::Status broken =
      MarkOrigin(absl::DataLossError("entry 3"), ErrorOrigin::kVerification);
  EXPECT_EQ(ExitCodeFor(broken), kExitVerifyFailed);
  EXPECT_EQ(DescribeError(broken), "audit verification failed: entry 3");
  EXPECT_EQ(DescribeError(absl::InvalidArgumentError("--ttl: bad")), "error: --ttl: bad");
}

}  // namespace
}  // namespace throughcare::client
