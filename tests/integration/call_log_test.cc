// What the broker's log tells an operator about calls, read from the log the real broker writes
// (the one logger, set up as throughcared sets it up): every failed call with its reason, routine
// NOT_FOUND as info and without the identifier asked about, refused identities with the
// certificate's agency (or its names) and the request id the client was shown, and gRPC's own
// lines in the same logfmt.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "services/crypto/pki.h"
#include "services/server/log.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// While it lives, the process's stderr goes to a file the test can read as it grows.
class StderrToFile {
 public:
  explicit StderrToFile(std::string path) : path_(std::move(path)) {
    fflush(stderr);
    saved_ = dup(2);
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    dup2(fd, 2);
    close(fd);
  }
  ~StderrToFile() {
    fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
  }
  std::string Text() const {
    fflush(stderr);
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // The lines written so far that contain every one of `words`.
  std::vector<std::string> LinesWith(const std::vector<std::string>& words) const {
    std::vector<std::string> found;
    for (absl::string_view line : absl::StrSplit(Text(), '\n')) {
      bool all = true;
      for (const std::string& w : words) all = all && absl::StrContains(line, w);
      if (all) found.emplace_back(line);
    }
    return found;
  }

 private:
  const std::string path_;
  int saved_ = -1;
};

class CallLogTest : public BrokerTest {
 protected:
  static void SetUpTestSuite() { server::InitLogging(server::LogLevel::kInfo); }

  void SetUp() override {
    BrokerTest::SetUp();
    log_ = std::make_unique<StderrToFile>(dir_ + "/stderr.log");
  }
  void TearDown() override {
    log_.reset();
    BrokerTest::TearDown();
  }

  grpc::Status Resolve(std::shared_ptr<grpc::Channel> channel, const std::string& authorization,
                       const std::string& noms, std::string* request_id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    v1::ResolveIdentifierRequest req;
    req.set_purpose("offender_management");
    req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    req.mutable_identifier()->set_value(noms);
    v1::Subject out;
    grpc::Status s = v1::SubjectService::NewStub(std::move(channel))->ResolveIdentifier(&ctx, req, &out);
    auto it = ctx.GetServerInitialMetadata().find("x-request-id");
    if (request_id != nullptr && it != ctx.GetServerInitialMetadata().end()) {
      *request_id = std::string(it->second.data(), it->second.size());
    }
    return s;
  }

  crypto::IssuedCertificate CertFrom(const crypto::IssuedCertificate& ca, const std::string& cn) {
    crypto::CertificateRequest req;
    req.common_name = cn;
    req.not_before = absl::Now() - absl::Minutes(1);
    req.not_after = absl::Now() + absl::Hours(1);
    absl::StatusOr<crypto::IssuedCertificate> cert = crypto::IssueCertificate(ca, req);
    EXPECT_THAT(cert, IsOk());
    return cert.ok() ? *cert : crypto::IssuedCertificate{};
  }
  crypto::IssuedCertificate DevCa() {
    return crypto::IssuedCertificate{ReadDevFile("pki/ca.pem"), ReadDevFile("pki/ca.key")};
  }

  std::unique_ptr<StderrToFile> log_;
};

TEST_F(CallLogTest, AnInvalidArgumentLogsItsReason) {
  v1::RegisterSubjectRequest req;
  req.set_purpose(kReception.purpose);
  req.add_identifiers()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  req.mutable_identifiers(0)->set_value("not-a-number");
  v1::Subject out;
  grpc::Status s = Subjects(kReception.agency)->RegisterSubject(ContextFor(kReception).get(), req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  const std::string field = s.error_message().substr(0, s.error_message().find(':'));
  std::vector<std::string> lines = log_->LinesWith({"event=rpc", "code=INVALID_ARGUMENT"});
  ASSERT_EQ(lines.size(), 1u) << log_->Text();
  EXPECT_THAT(lines[0], HasSubstr("level=warning"));
  EXPECT_THAT(lines[0], Not(HasSubstr("message=\"\"")));
  EXPECT_THAT(lines[0], HasSubstr("message=\"" + field + ":")) << "the field and the problem";
}

TEST_F(CallLogTest, ARoutineNotFoundIsInfoAndWithholdsTheIdentifier) {
  std::string request_id;
  grpc::Status s = Resolve(ChannelFor("probation-east"),
                           "Bearer " + AssertionFor(kOffenderManager), "Z9999ZZ", &request_id);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  std::vector<std::string> lines = log_->LinesWith({"event=rpc", "code=NOT_FOUND"});
  ASSERT_EQ(lines.size(), 1u) << log_->Text();
  EXPECT_THAT(lines[0], HasSubstr("level=info"));
  EXPECT_THAT(lines[0], HasSubstr("request_id=" + request_id));
  EXPECT_THAT(lines[0], HasSubstr("[noms withheld]"));
  EXPECT_THAT(log_->Text(), Not(HasSubstr("Z9999ZZ")));
}

TEST_F(CallLogTest, ARefusedAssertionLogsTheCertificatesAgencyAndTheRequestIdShown) {
  std::string request_id;
  grpc::Status s =
      Resolve(ChannelFor("probation-east"), "Bearer not.a.token", "A1234BC", &request_id);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  ASSERT_FALSE(request_id.empty());
  EXPECT_THAT(s.error_message(), HasSubstr("(request id " + request_id + ")"));
  std::vector<std::string> lines = log_->LinesWith({"event=rpc", "request_id=" + request_id});
  ASSERT_EQ(lines.size(), 1u) << log_->Text();
  EXPECT_THAT(lines[0], AllOf(HasSubstr("code=UNAUTHENTICATED"), HasSubstr("agency=probation-east"),
                              HasSubstr("system=probation-east-system"),
                              Not(HasSubstr("message=\"\""))));
}

TEST_F(CallLogTest, AnUnknownCertificateIsLoggedByItsNamesWithTheRequestIdShown) {
  crypto::IssuedCertificate cert = CertFrom(DevCa(), "unregistered-system");
  std::string request_id;
  grpc::Status s = Resolve(ChannelWith(cert.certificate_pem, cert.private_key_pem),
                           "Bearer " + AssertionFor(kOffenderManager), "A1234BC", &request_id);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  ASSERT_FALSE(request_id.empty());
  EXPECT_THAT(s.error_message(), HasSubstr("(request id " + request_id + ")"));
  std::vector<std::string> lines = log_->LinesWith({"event=rpc", "request_id=" + request_id});
  ASSERT_EQ(lines.size(), 1u) << log_->Text();
  EXPECT_THAT(lines[0], AllOf(HasSubstr("code=UNAUTHENTICATED"),
                              HasSubstr("certificate=unregistered-system"),
                              HasSubstr("not registered to any agency system"),
                              HasSubstr("peer=ipv")));
}

TEST_F(CallLogTest, GrpcsOwnLinesAreInTheBrokersFormat) {
  // A certificate from a CA the broker does not trust fails in gRPC's TLS handshake, before any
  // call: only gRPC's own log can tell the operator.
  ASSERT_OK_AND_ASSIGN(crypto::IssuedCertificate other_ca,
                       crypto::CreateCertificateAuthority("Some other CA",
                                                          absl::Now() - absl::Minutes(1),
                                                          absl::Now() + absl::Hours(1)));
  crypto::IssuedCertificate cert = CertFrom(other_ca, "probation-east-system");
  grpc::Status s = Resolve(ChannelWith(cert.certificate_pem, cert.private_key_pem),
                           "Bearer " + AssertionFor(kOffenderManager), "A1234BC", nullptr);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  std::vector<std::string> lines;
  for (int i = 0; i < 50 && lines.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    lines = log_->LinesWith({"event=grpc"});
  }
  ASSERT_FALSE(lines.empty()) << log_->Text();
  const std::string logfmt =
      R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z level=(error|info|debug) event=grpc source=[a-z_0-9]+\.cc:[0-9]+ )";
  for (const std::string& line : lines) EXPECT_THAT(line, ContainsRegex(logfmt));
  // gRPC's own format ("E1203 12:00:00.000000000 1234 file.cc:123] ...") appears nowhere.
  for (absl::string_view line : absl::StrSplit(log_->Text(), '\n')) {
    EXPECT_THAT(std::string(line), Not(ContainsRegex(R"(^[EIWD][0-9]{4} [0-9:.]+ +[0-9]+ )")));
  }
}

}  // namespace
}  // namespace throughcare::testing
