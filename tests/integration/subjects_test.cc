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

const Actor kCustody{"police-east", "custody-1", "custody_officer", "public_protection"};

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

// Each identifier is registered or linked by the kind of agency that issues it (the demo
// policy's identifiers section): the police register a detainee by PNC number, the prison that
// receives them links its NOMS number.
TEST_F(SubjectsTest, RegisterResolveGetLinkUnlinkAndSetHomeArea) {
  v1::Subject registered;
  ASSERT_TRUE(Register(kCustody, {Id(v1::IDENTIFIER_KIND_PNC, kPnc)}, "e99999001", &registered,
                       kCustody.purpose)
                  .ok());
  EXPECT_THAT(registered.subject_id(), StartsWith("sub_"));
  EXPECT_EQ(registered.home_area(), "E99999001") << "home area is normalised";
  ASSERT_THAT(registered.identifiers(), SizeIs(1));
  EXPECT_EQ(registered.identifiers(0).linked_by_agency(), "police-east");
  EXPECT_EQ(registered.registered_by_agency(), "police-east");

  // Reception looks new arrivals up, records custody and links the NOMS number.
  v1::Subject resolved;
  ASSERT_TRUE(Resolve(kReception, Id(v1::IDENTIFIER_KIND_PNC, kPnc), &resolved).ok());
  EXPECT_EQ(resolved.subject_id(), registered.subject_id());
  Relate(kReception, registered.subject_id(), v1::RELATIONSHIP_KIND_CUSTODY);
  v1::LinkIdentifierRequest link;
  link.set_purpose(kReception.purpose);
  link.set_subject_id(registered.subject_id());
  *link.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, "a1234bc");
  v1::Subject linked;
  grpc::Status s =
      Subjects(kReception.agency)->LinkIdentifier(ContextFor(kReception).get(), link, &linked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(linked.identifiers(), SizeIs(2));
  EXPECT_EQ(linked.identifiers(1).value(), kNoms) << "NOMS numbers are upper-cased";
  EXPECT_EQ(linked.identifiers(1).linked_by_agency(), "hmp-northgate");

  // Probation sees the person once it works with them.
  EXPECT_EQ(Resolve(kOffenderManager, Id(v1::IDENTIFIER_KIND_NOMS, kNoms), &resolved).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Relate(kOffenderManager, registered.subject_id());
  ASSERT_TRUE(Resolve(kOffenderManager, Id(v1::IDENTIFIER_KIND_NOMS, kNoms), &resolved).ok());
  EXPECT_EQ(resolved.subject_id(), registered.subject_id());
  EXPECT_THAT(resolved.identifiers(), SizeIs(2));

  v1::GetSubjectRequest get;
  get.set_purpose("offender_management");
  get.set_subject_id(registered.subject_id());
  v1::Subject got;
  ASSERT_TRUE(
      Subjects("probation-east")->GetSubject(ContextFor(kOffenderManager).get(), get, &got).ok());
  EXPECT_THAT(got.identifiers(), SizeIs(2));

  v1::UnlinkIdentifierRequest unlink;
  unlink.set_purpose(kReception.purpose);
  unlink.set_subject_id(registered.subject_id());
  *unlink.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, kNoms);
  v1::Subject after;
  auto reception = Subjects(kReception.agency);
  ASSERT_TRUE(reception->UnlinkIdentifier(ContextFor(kReception).get(), unlink, &after).ok());
  EXPECT_THAT(after.identifiers(), SizeIs(1));
  grpc::Status again = reception->UnlinkIdentifier(ContextFor(kReception).get(), unlink, &after);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(again.error_message(), HasSubstr("not linked to this person"));

  v1::SetHomeAreaRequest area;
  area.set_purpose("offender_management");
  area.set_subject_id(registered.subject_id());
  area.set_home_area("W99999002");
  v1::Subject moved;
  ASSERT_TRUE(
      Subjects("probation-east")->SetHomeArea(ContextFor(kOffenderManager).get(), area, &moved)
          .ok());
  EXPECT_EQ(moved.home_area(), "W99999002");
}

TEST_F(SubjectsTest, IdentifierLinkedToAnotherPersonIsAlreadyExistsAndNothingIsRegistered) {
  v1::Subject first;
  ASSERT_TRUE(Register(kReception, {Id(v1::IDENTIFIER_KIND_NOMS, kNoms)}, "", &first).ok());
  v1::Subject second;
  grpc::Status s = Register(
      kReception, {Id(v1::IDENTIFIER_KIND_NOMS, "B2222BB"), Id(v1::IDENTIFIER_KIND_NOMS, kNoms)},
      "", &second);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("A1234BC is already linked"));
  // The other number of the refused registration was not kept.
  v1::Subject none;
  EXPECT_EQ(Resolve(kReception, Id(v1::IDENTIFIER_KIND_NOMS, "B2222BB"), &none).error_code(),
            grpc::StatusCode::NOT_FOUND);

  Relate(kReception, first.subject_id(), v1::RELATIONSHIP_KIND_CUSTODY);
  v1::LinkIdentifierRequest link;
  link.set_purpose(kReception.purpose);
  link.set_subject_id(first.subject_id());
  *link.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, kNoms);
  v1::Subject out;
  s = Subjects(kReception.agency)->LinkIdentifier(ContextFor(kReception).get(), link, &out);
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
  // An unknown person, for a caller who may link the identifier: NOT_FOUND.
  link.set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  *link.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, "B2222BB");
  s = Subjects(kReception.agency)->LinkIdentifier(ContextFor(kReception).get(), link, &out);
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

// A caller that may not register an identifier is told so before the broker looks it up: the
// same code and words whether the identifier is known or not, so registering cannot be used to
// find out who is known, nor to squat another agency's numbers.
TEST_F(SubjectsTest, RegisteringIsNoOracleForAgencyKindsThatDoNotIssueTheIdentifier) {
  v1::Subject known;
  ASSERT_TRUE(Register(kReception, {Id(v1::IDENTIFIER_KIND_NOMS, "B9876ZZ")}, "", &known).ok());
  ASSERT_TRUE(Register(kCustody, {Id(v1::IDENTIFIER_KIND_PNC, kPnc)}, "", &known,
                       kCustody.purpose)
                  .ok());
  struct Case {
    Actor actor;
    v1::Identifier taken, fresh;
    std::string words;
  };
  const Case cases[] = {
      // The issue's CJIT worker: its role may not register anyone.
      {kCjit, Id(v1::IDENTIFIER_KIND_NOMS, "B9876ZZ"), Id(v1::IDENTIFIER_KIND_NOMS, "C1111ZZ"),
       "no rule permits role 'cjit_worker' to subject.register"},
      // Reception may register people, but prisons do not issue PNC numbers.
      {kReception, Id(v1::IDENTIFIER_KIND_PNC, kPnc), Id(v1::IDENTIFIER_KIND_PNC, "20/7654321T"),
       "agency kind 'prison' may not register or link pnc identifiers"},
  };
  for (const Case& c : cases) {
    v1::Subject out;
    grpc::Status taken = Register(c.actor, {c.taken}, "E99999001", &out, c.actor.purpose);
    grpc::Status fresh = Register(c.actor, {c.fresh}, "E99999001", &out, c.actor.purpose);
    EXPECT_EQ(taken.error_code(), grpc::StatusCode::PERMISSION_DENIED) << taken.error_message();
    EXPECT_EQ(fresh.error_code(), taken.error_code()) << c.actor.role;
    EXPECT_EQ(fresh.error_message(), taken.error_message());
    EXPECT_THAT(taken.error_message(), HasSubstr(c.words));
    // Nothing was squatted: the fresh number is still unknown.
    EXPECT_EQ(Resolve(kCustody, c.fresh, &out, kCustody.purpose).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

// The prison's drug team works with the person in custody and may update them, and prisons issue
// NOMS numbers; but its role may not look people up without a relationship, so linking (which
// would say whether a number is known) is refused before the number is looked up.
TEST_F(SubjectsTest, LinkingIsNoOracleForRolesThatCannotLookPeopleUp) {
  const std::string person = RegisterPerson("A1234BC");
  v1::Subject other;
  ASSERT_TRUE(Register(kReception, {Id(v1::IDENTIFIER_KIND_NOMS, "B9876ZZ")}, "", &other).ok());
  auto link = [&](const std::string& noms) {
    v1::LinkIdentifierRequest req;
    req.set_purpose("direct_care");
    req.set_subject_id(person);
    *req.mutable_identifier() = Id(v1::IDENTIFIER_KIND_NOMS, noms);
    v1::Subject out;
    return Subjects(kCarat.agency)->LinkIdentifier(ContextFor(kCarat).get(), req, &out);
  };
  grpc::Status taken = link("B9876ZZ");
  grpc::Status fresh = link("C1111ZZ");
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::PERMISSION_DENIED) << taken.error_message();
  EXPECT_EQ(fresh.error_code(), taken.error_code());
  EXPECT_EQ(fresh.error_message(), taken.error_message());
  EXPECT_THAT(taken.error_message(), HasSubstr("without a relationship"));
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
