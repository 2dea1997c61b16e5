// Transport and identity: mutual TLS, certificate-to-agency mapping, practitioner assertions,
// request ids, health checking and reflection, against the real broker.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/crypto/assertion.h"
#include "services/crypto/pki.h"
#include "tests/integration/fixture.h"
#include "reflection_subset.pb.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class IdentityTest : public BrokerTest {
 protected:
  // A call that needs nothing but authentication to get past the edge: resolving an unknown
  // NOMS number answers NOT_FOUND once the caller is authenticated.
  grpc::Status Probe(std::shared_ptr<grpc::Channel> channel, grpc::ClientContext* ctx) {
    auto stub = v1::SubjectService::NewStub(std::move(channel));
    v1::ResolveIdentifierRequest req;
    req.set_purpose("offender_management");
    req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    req.mutable_identifier()->set_value("Z9999ZZ");
    v1::Subject resp;
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->ResolveIdentifier(ctx, req, &resp);
  }

  grpc::Status ProbeWithAssertion(std::shared_ptr<grpc::Channel> channel,
                                  const std::string& authorization) {
    grpc::ClientContext ctx;
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    return Probe(std::move(channel), &ctx);
  }

  crypto::IssuedCertificate DevCa() {
    return crypto::IssuedCertificate{ReadDevFile("pki/ca.pem"), ReadDevFile("pki/ca.key")};
  }

  crypto::IssuedCertificate ClientCert(const crypto::IssuedCertificate& ca, const std::string& cn) {
    crypto::CertificateRequest req;
    req.common_name = cn;
    req.not_before = absl::Now() - absl::Minutes(1);
    req.not_after = absl::Now() + absl::Hours(1);
    auto cert = crypto::IssueCertificate(ca, req);
    EXPECT_THAT(cert, IsOk());
    return cert.ok() ? *cert : crypto::IssuedCertificate{};
  }
};

TEST_F(IdentityTest, AuthenticatedCallReachesTheService) {
  grpc::Status s = ProbeWithAssertion(ChannelFor("probation-east"),
                                      "Bearer " + AssertionFor(kOffenderManager));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("Z9999ZZ"));
}

TEST_F(IdentityTest, ClientWithoutCertificateIsRefusedAtTheHandshake) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadDevFile("pki/ca.pem");
  auto channel = grpc::CreateChannel(target_, grpc::SslCredentials(options));
  grpc::Status s = ProbeWithAssertion(channel, "Bearer " + AssertionFor(kOffenderManager));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(IdentityTest, PlaintextClientIsRefused) {
  auto channel = grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
  grpc::Status s = ProbeWithAssertion(channel, "Bearer " + AssertionFor(kOffenderManager));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(IdentityTest, CertificateFromAnotherCaIsRefusedAtTheHandshake) {
  ASSERT_OK_AND_ASSIGN(auto other_ca,
                       crypto::CreateCertificateAuthority("Some other CA", absl::Now() - absl::Minutes(1),
                                                          absl::Now() + absl::Hours(1)));
  // Same CN as a registered system: only the issuing CA differs.
  auto cert = ClientCert(other_ca, "probation-east-system");
  grpc::Status s = ProbeWithAssertion(ChannelWith(cert.certificate_pem, cert.private_key_pem),
                                      "Bearer " + AssertionFor(kOffenderManager));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(IdentityTest, CertificateOfNoRegisteredSystemIsUnauthenticated) {
  auto cert = ClientCert(DevCa(), "unregistered-system");
  grpc::Status s = ProbeWithAssertion(ChannelWith(cert.certificate_pem, cert.private_key_pem),
                                      "Bearer " + AssertionFor(kOffenderManager));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("not registered to any agency system"));
}

TEST_F(IdentityTest, CertificateWithTwoCommonNamesIsUnauthenticated) {
  // The registered system's CN first, then another: a certificate must name one system, and
  // must not be taken for the first name it carries. Either order is refused.
  for (const auto& [first, second] :
       {std::pair<std::string, std::string>{"probation-east-system", "someone-else"},
        std::pair<std::string, std::string>{"someone-else", "probation-east-system"}}) {
    crypto::CertificateRequest req;
    req.common_name = first;
    req.extra_common_names = {second};
    req.not_before = absl::Now() - absl::Minutes(1);
    req.not_after = absl::Now() + absl::Hours(1);
    ASSERT_OK_AND_ASSIGN(crypto::IssuedCertificate cert, crypto::IssueCertificate(DevCa(), req));
    grpc::Status s = ProbeWithAssertion(ChannelWith(cert.certificate_pem, cert.private_key_pem),
                                        "Bearer " + AssertionFor(kOffenderManager));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << first << ", " << second;
    EXPECT_THAT(s.error_message(), HasSubstr("exactly one subject CN"));
  }
}

TEST_F(IdentityTest, MissingAssertionIsUnauthenticated) {
  grpc::Status s = ProbeWithAssertion(ChannelFor("probation-east"), "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("missing practitioner assertion"));
}

TEST_F(IdentityTest, MalformedAuthorizationIsUnauthenticated) {
  grpc::Status s = ProbeWithAssertion(ChannelFor("probation-east"), "Basic b206cGFzcw==");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("Bearer"));
  s = ProbeWithAssertion(ChannelFor("probation-east"), "Bearer not.a.token");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdentityTest, ExpiredAssertionIsUnauthenticated) {
  std::string token = AssertionFor(kOffenderManager, absl::Minutes(5));
  clock_.Advance(absl::Minutes(5));  // exactly at expiry: no longer valid
  grpc::Status s = ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("expired"));
}

TEST_F(IdentityTest, ForgedAssertionIsUnauthenticated) {
  // Claims to come from probation-east but is signed with the housing team's key.
  crypto::Assertion a{"probation-east", "om-1", "offender_manager", clock_.Now(),
                      clock_.Now() + absl::Minutes(5)};
  ASSERT_OK_AND_ASSIGN(std::string forged,
                       crypto::MintAssertion(a, ReadDevFile("keys/housing-east-identity.pem")));
  grpc::Status s = ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + forged);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("signature"));
}

TEST_F(IdentityTest, AssertionForAnotherBrokerIsUnauthenticated) {
  crypto::Assertion a{"probation-east", "om-1", "offender_manager", clock_.Now(),
                      clock_.Now() + absl::Minutes(5)};
  a.audience = "another-broker";
  ASSERT_OK_AND_ASSIGN(std::string token,
                       crypto::MintAssertion(a, ReadDevFile("keys/probation-east-identity.pem")));
  grpc::Status s = ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("does not name this broker ('throughcare')"));
}

TEST_F(IdentityTest, RefusedIdentitiesOfKnownSystemsAreAudited) {
  // Forged (signed with the housing key), expired, and for another agency, each over the
  // probation system's certificate; and a certificate no system is registered for.
  crypto::Assertion a{"probation-east", "claimed-om", "offender_manager", clock_.Now(),
                      clock_.Now() + absl::Minutes(5)};
  ASSERT_OK_AND_ASSIGN(std::string forged,
                       crypto::MintAssertion(a, ReadDevFile("keys/housing-east-identity.pem")));
  EXPECT_EQ(ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + forged).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const Actor expiring{"probation-east", "expired-om", "offender_manager", "offender_management"};
  const std::string expired = AssertionFor(expiring, absl::Minutes(1));
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + expired).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + AssertionFor(kHousing))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::QueryAuditLogRequest query;
  query.set_purpose("audit");
  query.set_agency_id("probation-east");
  query.set_decision(v1::DECISION_NONE);
  v1::QueryAuditLogResponse refused;
  ASSERT_TRUE(Audit("ig-office")->QueryAuditLog(ContextFor(kAuditor).get(), query, &refused).ok());
  ASSERT_EQ(refused.entries_size(), 3);
  EXPECT_EQ(refused.entries(0).user_id(), "claimed-om");
  EXPECT_EQ(refused.entries(0).system_id(), "probation-east-system");
  EXPECT_EQ(refused.entries(0).outcome(), "UNAUTHENTICATED");
  EXPECT_THAT(refused.entries(0).reason(), HasSubstr("as claimed, not verified"));
  EXPECT_THAT(refused.entries(0).reason(), HasSubstr("signature"));
  EXPECT_EQ(refused.entries(1).user_id(), "expired-om");
  EXPECT_THAT(refused.entries(1).reason(), HasSubstr("expired"));
  EXPECT_EQ(refused.entries(2).user_id(), "housing-officer-1");
  EXPECT_EQ(refused.entries(2).outcome(), "PERMISSION_DENIED");
  EXPECT_THAT(refused.entries(2).reason(), HasSubstr("issued for agency 'housing-east'"));
}

TEST_F(IdentityTest, AssertionForAnotherAgencyIsPermissionDenied) {
  // A valid housing assertion presented over the probation system's certificate.
  grpc::Status s =
      ProbeWithAssertion(ChannelFor("probation-east"), "Bearer " + AssertionFor(kHousing));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("housing-east"));
  EXPECT_THAT(s.error_message(), HasSubstr("probation-east"));
}

TEST_F(IdentityTest, RoleTheAgencyMayNotGrantIsPermissionDenied) {
  Actor self_promoted{"housing-east", "housing-officer-1", "prison_healthcare", "direct_care"};
  grpc::Status s =
      ProbeWithAssertion(ChannelFor("housing-east"), "Bearer " + AssertionFor(self_promoted));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("may not grant role 'prison_healthcare'"));

  // The practitioner was identified, so the refused attempt is in the audit log.
  v1::QueryAuditLogRequest query;
  query.set_purpose("audit");
  query.set_user_id("housing-officer-1");
  v1::QueryAuditLogResponse entries;
  ASSERT_TRUE(Audit("ig-office")->QueryAuditLog(ContextFor(kAuditor).get(), query, &entries).ok());
  ASSERT_EQ(entries.entries_size(), 1);
  EXPECT_EQ(entries.entries(0).action(), "rpc.ResolveIdentifier");
  EXPECT_EQ(entries.entries(0).role(), "prison_healthcare");
  // Refused before the policy was asked: no policy decision, and the refusal's reason.
  EXPECT_EQ(entries.entries(0).decision(), v1::DECISION_NONE);
  EXPECT_EQ(entries.entries(0).outcome(), "PERMISSION_DENIED");
  EXPECT_THAT(entries.entries(0).reason(), HasSubstr("may not grant role"));
}

TEST_F(IdentityTest, UnknownOrMissingPurposeIsInvalidArgument) {
  auto stub = Subjects("probation-east");
  v1::ResolveIdentifierRequest req;
  req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  req.mutable_identifier()->set_value("A1234BC");
  v1::Subject resp;
  grpc::Status s = stub->ResolveIdentifier(ContextFor(kOffenderManager).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("purpose: required"));
  req.set_purpose("curiosity");
  s = stub->ResolveIdentifier(ContextFor(kOffenderManager).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("unknown purpose 'curiosity'"));
}

TEST_F(IdentityTest, RequestIdIsEchoedOrAssigned) {
  grpc::ClientContext given;
  given.AddMetadata("authorization", "Bearer " + AssertionFor(kOffenderManager));
  given.AddMetadata("x-request-id", "case-42.lookup");
  Probe(ChannelFor("probation-east"), &given);
  auto it = given.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(it, given.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "case-42.lookup");

  grpc::ClientContext assigned;
  assigned.AddMetadata("authorization", "Bearer " + AssertionFor(kOffenderManager));
  Probe(ChannelFor("probation-east"), &assigned);
  it = assigned.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(it, assigned.GetServerInitialMetadata().end());
  EXPECT_THAT(std::string(it->second.data(), it->second.size()), ::testing::StartsWith("req_"));
}

TEST_F(IdentityTest, HealthCheckingIsServed) {
  auto stub = grpc::health::v1::Health::NewStub(ChannelFor("probation-east"));
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(stub->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(IdentityTest, ReflectionListsTheApi) {
  namespace reflection = ::throughcare::testing::reflection;
  auto channel = ChannelFor("probation-east");
  grpc::internal::RpcMethod method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                   grpc::internal::RpcMethod::BIDI_STREAMING, channel);
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<reflection::ServerReflectionRequest,
                                           reflection::ServerReflectionResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             reflection::ServerReflectionRequest,
             reflection::ServerReflectionResponse>::Create(channel.get(), method, &ctx));
  reflection::ServerReflectionRequest req;
  req.set_list_services("");
  ASSERT_TRUE(stream->Write(req));
  reflection::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  stream->WritesDone();
  std::vector<std::string> names;
  for (const auto& s : resp.list_services_response().service()) names.push_back(s.name());
  EXPECT_THAT(names, Contains("throughcare.v1.SubjectService"));
  EXPECT_THAT(names, Contains("throughcare.v1.RecordService"));
  EXPECT_THAT(names, Contains("throughcare.v1.AuditService"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
  stream->Finish();
}

}  // namespace
}  // namespace throughcare::testing
