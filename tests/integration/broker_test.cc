// The broker's own behaviour beyond single RPCs: policy reload and the development plaintext mode.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;

class BrokerBehaviourTest : public BrokerTest {
 protected:
  grpc::Status ResolveAsHousing() {
    v1::ResolveIdentifierRequest req;
    req.set_purpose("resettlement");
    req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    req.mutable_identifier()->set_value("A1234BC");
    v1::Subject out;
    return Subjects("housing-east")->ResolveIdentifier(ContextFor(kHousing).get(), req, &out);
  }

  void WritePolicy(const std::string& text) { std::ofstream(config_.policy_file) << text; }
};

TEST_F(BrokerBehaviourTest, PolicyReloadChangesDecisionsAndABadFileKeepsTheOldPolicy) {
  const std::string original = ReadDevFile("policy.yaml");
  // Housing may resolve identifiers for resettlement: the call reaches the lookup (NOT_FOUND).
  ASSERT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::NOT_FOUND);

  // Take housing_officer out of every identity rule.
  std::string narrowed = original;
  for (size_t at; (at = narrowed.find("housing_officer, ")) != std::string::npos;) {
    narrowed.erase(at, std::string("housing_officer, ").size());
  }
  for (size_t at; (at = narrowed.find(", housing_officer]")) != std::string::npos;) {
    narrowed.replace(at, std::string(", housing_officer]").size(), "]");
  }
  ASSERT_NE(narrowed, original);
  WritePolicy(narrowed);
  ASSERT_THAT(broker_->ReloadPolicy(), IsOk());
  grpc::Status s = ResolveAsHousing();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  // A broken file is refused with its line, and the policy in force stays.
  WritePolicy(original + "\nrules: []\n");
  EXPECT_THAT(broker_->ReloadPolicy(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("policy.yaml:")));
  EXPECT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  WritePolicy(original);
  ASSERT_THAT(broker_->ReloadPolicy(), IsOk());
  EXPECT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BrokerBehaviourTest, PlaintextDevelopmentModeNamesTheSystemByMetadata) {
  StopBroker();
  server::BrokerOptions options;
  options.insecure_plaintext = true;
  ASSERT_OK_AND_ASSIGN(broker_, server::Broker::Start(config_, clock_, options));
  auto stub = v1::SubjectService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", broker_->port()), grpc::InsecureChannelCredentials()));
  v1::ResolveIdentifierRequest req;
  req.set_purpose("offender_management");
  req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  req.mutable_identifier()->set_value("A1234BC");
  v1::Subject out;

  auto ctx = ContextFor(kOffenderManager);
  grpc::Status s = stub->ResolveIdentifier(ctx.get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "no system named";

  ctx = ContextFor(kOffenderManager);
  ctx->AddMetadata("x-throughcare-dev-system", "probation-east-system");
  s = stub->ResolveIdentifier(ctx.get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
}

}  // namespace
}  // namespace throughcare::testing
