// Requests as an attacker sends them: raw bytes that are not the method's request message, through
// a generic stub on a real TLS channel with a valid certificate and assertion.
#include <grpcpp/generic/generic_stub.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"

namespace throughcare::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class BadInputTest : public BrokerTest {
 protected:
  void SetUp() override {
    // The broker's log lines, kept to be read back (the default logger prints them otherwise).
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "bad-input-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_)));
    BrokerTest::SetUp();
  }
  void TearDown() override {
    BrokerTest::TearDown();
    spdlog::set_default_logger(previous_logger_);
  }

  struct Answer {
    grpc::Status status;
    std::string request_id;  // the response metadata's x-request-id
  };

  // Sends `bytes` as the request of `method` (e.g. "/throughcare.v1.RecordService/PutRecord")
  // as the actor's agency system.
  Answer CallRaw(const Actor& actor, const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(ChannelFor(actor.agency));
    std::unique_ptr<grpc::ClientContext> ctx = ContextFor(actor);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    absl::Notification done;
    Answer answer;
    stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     answer.status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    auto it = ctx->GetServerInitialMetadata().find("x-request-id");
    if (it != ctx->GetServerInitialMetadata().end()) {
      answer.request_id = std::string(it->second.data(), it->second.size());
    }
    return answer;
  }

  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

constexpr char kPutRecord[] = "/throughcare.v1.RecordService/PutRecord";

TEST_F(BadInputTest, BytesThatAreNotProtobufAreInvalidArgumentLoggedAndCounted) {
  StopBroker();
  config_.metrics_listen = "127.0.0.1:0";
  StartBroker();
  // A field tag with wire type 7, which does not exist.
  Answer answer = CallRaw(kCarat, kPutRecord, std::string("\x0f\xff\xff\xff", 4));
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(answer.status.error_message(),
            "request: not a valid throughcare.v1.PutRecordRequest: the bytes are not protobuf "
            "wire format for it, or a string field is not valid UTF-8");
  EXPECT_THAT(answer.request_id, StartsWith("req_"));

  const std::string log = log_.str();
  EXPECT_THAT(log, ContainsRegex("event=malformed_request method=" + std::string(kPutRecord) +
                                 " peer=[^ ]+ request_id=" + answer.request_id + " message="));
  EXPECT_THAT(log, ContainsRegex("event=rpc method=PutRecord .*code=INVALID_ARGUMENT .*request_id=" +
                                 answer.request_id));
  EXPECT_THAT(ScrapeMetrics(),
              HasSubstr("throughcare_rpcs_total{code=\"INVALID_ARGUMENT\",method=\"PutRecord\"} 1"));
}

TEST_F(BadInputTest, AStringThatIsNotUtf8IsInvalidArgument) {
  // Field 1 (purpose), length 2: a lead byte followed by one that cannot continue it.
  Answer answer = CallRaw(kCarat, kPutRecord, std::string("\x0a\x02\xc3\x28", 4));
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(answer.status.error_message(), HasSubstr("throughcare.v1.PutRecordRequest"));
  EXPECT_THAT(answer.request_id, StartsWith("req_"));

  // A server-streaming call is refused the same way.
  answer = CallRaw(kAuditor, "/throughcare.v1.AuditService/ExportAuditLog",
                   std::string("\x0a\x01\xff", 3));
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(answer.status.error_message(), HasSubstr("throughcare.v1.ExportAuditLogRequest"));
}

TEST_F(BadInputTest, WellFormedBytesStillReachTheHandler) {
  v1::GetSubjectRequest req;
  req.set_purpose("direct_care");
  req.set_subject_id("not-an-id");
  Answer answer = CallRaw(kCarat, "/throughcare.v1.SubjectService/GetSubject",
                          req.SerializeAsString());
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(answer.status.error_message(), StartsWith("subject_id: malformed id"));
  // An unknown method is still gRPC's own answer.
  answer = CallRaw(kCarat, "/throughcare.v1.SubjectService/Forget", "");
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(log_.str(), ::testing::Not(HasSubstr("event=malformed_request")));
}

}  // namespace
}  // namespace throughcare::testing
