// SubjectService against the real broker: success paths, each malformed field, conflicts.
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Plainly synthetic identifiers with valid check characters.
constexpr char kNoms[] = "A1234BC";
constexpr char kPnc[] = "20/1234567Z";
constexpr char kNhs[] = "999 000 0018";  // normalised to 9990000018
constexpr char kCrn[] = "X123456";

v1::Identifier Id(v1::IdentifierKind kind, const std::string& value) {
  v1::Identifier id;
  id.set_kind(kind);
  id.set_value(value);
  return id;
}

class SubjectsTest : public BrokerTest {
 protected:
  grpc::Status Register(const Actor& actor, std::vector<v1::Identifier> ids,
                        const std::string& home_area, v1::Subject* out,
                        const std::string& purpose = "offender_management") {
    v1::RegisterSubjectRequest req;
    req.set_purpose(purpose);
    for (auto& id : ids) *req.add_identifiers() = id;
    req.set_home_area(home_area);
    return Subjects(actor.agency)->RegisterSubject(ContextFor(actor).get(), req, out);
  }

  grpc::Status Resolve(const Actor& actor, const v1::Identifier& id, v1::Subject* out,
                       const std::string& purpose = "offender_management") {
    v1::ResolveIdentifierRequest req;
    req.set_purpose(purpose);
    *req.mutable_identifier() = id;
    return Subjects(actor.agency)->ResolveIdentifier(ContextFor(actor).get(), req, out);
  }
};

TEST_F(SubjectsTest, RegisterResolveGetLinkUnlinkAndSetHomeArea) {
  v1::Subject registered;
  ASSERT_TRUE(Register(kReception, {Id(v1::IDENTIFIER_KIND_NOMS, "a1234bc")}, "e99999001",
                       &registered)
                  .ok());
  EXPECT_THAT(registered.subject_id(), StartsWith("sub_"));
  EXPECT_EQ(registered.home_area(), "E99999001") << "home area is normalised";
  ASSERT_THAT(registered.identifiers(), SizeIs(1));
  EXPECT_EQ(registered.identifiers(0).value(), kNoms) << "NOMS numbers are upper-cased";
  EXPECT_EQ(registered.identifiers(0).linked_by_agency(), "hmp-northgate");
  EXPECT_EQ(registered.registered_by_agency(), "hmp-northgate");

  // Probation sees the person once it works with them.
  v1::Subject resolved;
  EXPECT_EQ(Resolve(kOffenderManager, Id(v1::IDENTIFIER_KIND_NOMS, kNoms), &resolved).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Relate(kOffenderManager, registered.subject_id());
  ASSERT_TRUE(Resolve(kOffenderManager, Id(v1::IDENTIFIER_KIND_NOMS, kNoms), &resolved).ok());
  EXPECT_EQ(resolved.subject_id(), registered.subject_id());

  // Probation links its case reference and the NHS number.
  for (const auto& id : {Id(v1::IDENTIFIER_KIND_CRN, kCrn), Id(v1::IDENTIFIER_KIND_NHS_NUMBER, kNhs)}) {
    v1::LinkIdentifierRequest link;
    link.set_purpose("offender_management");
    link.set_subject_id(registered.subject_id());
    *link.mutable_identifier() = id;
    v1::Subject linked;
    grpc::Status s = Subjects("probation-east")->LinkIdentifier(ContextFor(kOffenderManager).get(),
                                                               link, &linked);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(Resolve(kOffenderManager, Id(v1::IDENTIFIER_KIND_NHS_NUMBER, "9990000018"),
                      &resolved)
                  .ok());
  EXPECT_EQ(resolved.subject_id(), registered.subject_id());
  EXPECT_THAT(resolved.identifiers(), SizeIs(3));

  v1::GetSubjectRequest get;
  get.set_purpose("offender_management");
  get.set_subject_id(registered.subject_id());
  v1::Subject got;
  ASSERT_TRUE(Subjects("probation-east")->GetSubject(ContextFor(kOffenderManager).get(), get, &got).ok());
  EXPECT_THAT(got.identifiers(), SizeIs(3));

  v1::UnlinkIdentifierRequest unlink;
  unlink.set_purpose("offender_management");
  unlink.set_subject_id(registered.subject_id());
  *unlink.mutable_identifier() = Id(v1::IDENTIFIER_KIND_CRN, kCrn);
  v1::Subject after;
  ASSERT_TRUE(Subjects("probation-east")->UnlinkIdentifier(ContextFor(kOffenderManager).get(), unlink, &after).ok());
  EXPECT_THAT(after.identifiers(), SizeIs(2));
  grpc::Status again = Subjects("probation-east")->UnlinkIdentifier(ContextFor(kOffenderManager).get(), unlink, &after);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(again.error_message(), HasSubstr("not linked to this person"));

  v1::SetHomeAreaRequest area;
  area.set_purpose("offender_management");
  area.set_subject_id(registered.subject_id());
  area.set_home_area("W99999002");
  v1::Subject moved;
  ASSERT_TRUE(Subjects("probation-east")->SetHomeArea(ContextFor(kOffenderManager).get(), area, &moved).ok());
  EXPECT_EQ(moved.home_area(), "W99999002");
}

TEST_F(SubjectsTest, IdentifierLinkedToAnotherPersonIsAlreadyExistsAndNothingIsRegistered) {
  v1::Subject first;
  ASSERT_TRUE(Register(kReception, {Id(v1::IDENTIFIER_KIND_NOMS, kNoms)}, "", &first).ok());
  v1::Subject second;
  grpc::Status s = Register(kReception,
                            {Id(v1::IDENTIFIER_KIND_PNC, kPnc), Id(v1::IDENTIFIER_KIND_NOMS, kNoms)},
                            "", &second);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("A1234BC is already linked"));
  // The PNC number of the refused registration was not kept.
  v1::Subject none;
  EXPECT_EQ(Resolve(kOffenderManager, Id(v1::IDENTIFIER_KIND_PNC, kPnc), &none).error_code(),
            grpc::StatusCode::NOT_FOUND);

  Relate(kOffenderManager, first.subject_id());
  v1::LinkIdentifierRequest link;
  link.set_purpose("offender_management");
  link.set_subject_id(first.subject_id());
  *link.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, kNoms);
  v1::Subject out;
  s = Subjects("probation-east")->LinkIdentifier(ContextFor(kOffenderManager).get(), link, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(SubjectsTest, MalformedFieldsAreInvalidArgumentNamingTheField) {
  struct Case {
    std::vector<v1::Identifier> ids;
    std::string home_area;
    std::string expected;  // start of the message
  };
  std::vector<Case> cases = {
      {{}, "", "identifiers: at least one is required"},
      {{Id(v1::IDENTIFIER_KIND_UNSPECIFIED, kNoms)}, "", "identifiers[0].kind: required"},
      {{Id(v1::IDENTIFIER_KIND_NOMS, "12345AB")}, "", "identifiers[0].value:"},
      {{Id(v1::IDENTIFIER_KIND_NOMS, "")}, "", "identifiers[0].value:"},
      {{Id(v1::IDENTIFIER_KIND_PNC, "20/1234567A")}, "", "identifiers[0].value:"},
      {{Id(v1::IDENTIFIER_KIND_CRN, "X12345")}, "", "identifiers[0].value:"},
      {{Id(v1::IDENTIFIER_KIND_NHS_NUMBER, "9990000019")}, "", "identifiers[0].value:"},
      {{Id(v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF, "HR-1")}, "", "identifiers[0].value:"},
      {{Id(v1::IDENTIFIER_KIND_NOMS, kNoms), Id(v1::IDENTIFIER_KIND_NOMS, "a1234bc")}, "",
       "identifiers[1]: given twice"},
      {{Id(v1::IDENTIFIER_KIND_NOMS, kNoms)}, "Kent", "home_area:"},
  };
  for (const Case& c : cases) {
    v1::Subject out;
    grpc::Status s = Register(kReception, c.ids, c.home_area, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.expected;
    EXPECT_THAT(s.error_message(), StartsWith(c.expected));
  }
  // The NHS error says what format is expected.
  v1::Subject out;
  grpc::Status s = Register(kReception, {Id(v1::IDENTIFIER_KIND_NHS_NUMBER, "9990000019")}, "", &out);
  EXPECT_THAT(s.error_message(), HasSubstr("expected"));

  v1::GetSubjectRequest get;
  get.set_purpose("offender_management");
  get.set_subject_id("42");
  s = Subjects("probation-east")->GetSubject(ContextFor(kOffenderManager).get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("subject_id: malformed id"));
}

TEST_F(SubjectsTest, UnknownSubjectIsNotFound) {
  v1::GetSubjectRequest get;
  get.set_purpose("offender_management");
  get.set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  v1::Subject out;
  grpc::Status s = Subjects("probation-east")->GetSubject(ContextFor(kOffenderManager).get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("subject_id"));
}

TEST_F(SubjectsTest, LinkUnlinkAndHomeAreaValidateTheirFields) {
  v1::Subject registered;
  ASSERT_TRUE(Register(kReception, {Id(v1::IDENTIFIER_KIND_NOMS, kNoms)}, "", &registered).ok());
  auto stub = Subjects("probation-east");
  v1::Subject out;

  v1::LinkIdentifierRequest link;
  link.set_purpose("offender_management");
  link.set_subject_id(registered.subject_id());
  grpc::Status s = stub->LinkIdentifier(ContextFor(kOffenderManager).get(), link, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("identifier.kind: required"));
  *link.mutable_identifier() = Id(v1::IDENTIFIER_KIND_CRN, "123456");
  s = stub->LinkIdentifier(ContextFor(kOffenderManager).get(), link, &out);
  EXPECT_THAT(s.error_message(), StartsWith("identifier.value:"));
  link.set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  *link.mutable_identifier() = Id(v1::IDENTIFIER_KIND_CRN, kCrn);
  s = stub->LinkIdentifier(ContextFor(kOffenderManager).get(), link, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::UnlinkIdentifierRequest unlink;
  unlink.set_purpose("offender_management");
  unlink.set_subject_id("");
  *unlink.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, kNoms);
  s = stub->UnlinkIdentifier(ContextFor(kOffenderManager).get(), unlink, &out);
  EXPECT_THAT(s.error_message(), StartsWith("subject_id: required"));

  v1::SetHomeAreaRequest area;
  area.set_purpose("offender_management");
  area.set_subject_id(registered.subject_id());
  s = stub->SetHomeArea(ContextFor(kOffenderManager).get(), area, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("home_area: required"));
  area.set_home_area("X12345678");
  s = stub->SetHomeArea(ContextFor(kOffenderManager).get(), area, &out);
  EXPECT_THAT(s.error_message(), StartsWith("home_area:"));
  EXPECT_THAT(s.error_message(), HasSubstr("expected"));
  area.set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  area.set_home_area("E99999001");
  s = stub->SetHomeArea(ContextFor(kOffenderManager).get(), area, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SubjectsTest, RoleWithoutPermissionIsDeniedWithTheReason) {
  // The auditor may read the audit log but not register people.
  v1::Subject out;
  grpc::Status s = Register(kAuditor, {Id(v1::IDENTIFIER_KIND_NOMS, kNoms)}, "", &out, "audit");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("auditor"));
  EXPECT_THAT(s.error_message(), HasSubstr("subject.register"));
}

}  // namespace
}  // namespace throughcare::testing
