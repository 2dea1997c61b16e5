#include "services/server/validate_subjects.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/validate_testing.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::testing::IsOk;

v1::Identifier Identifier(v1::IdentifierKind kind, const std::string& value) {
  v1::Identifier id;
  id.set_kind(kind);
  id.set_value(value);
  return id;
}

TEST(ValidateIdentifierTest, NormalizesEachKind) {
  auto noms = ValidateIdentifier(Identifier(v1::IDENTIFIER_KIND_NOMS, " a1234bc "), "identifier");
  ASSERT_THAT(noms, IsOk());
  EXPECT_EQ(noms->kind, IdentifierKind::kNoms);
  EXPECT_EQ(noms->value, "A1234BC");
  auto nhs =
      ValidateIdentifier(Identifier(v1::IDENTIFIER_KIND_NHS_NUMBER, "943 476 5919"), "identifier");
  ASSERT_THAT(nhs, IsOk());
  EXPECT_EQ(nhs->kind, IdentifierKind::kNhsNumber);
  EXPECT_EQ(nhs->value, "9434765919");
}

TEST(ValidateIdentifierTest, NamesTheKindOrTheValue) {
  EXPECT_THAT(ValidateIdentifier(Identifier(v1::IDENTIFIER_KIND_UNSPECIFIED, "A1234BC"),
                                 "identifier"),
              FieldError("identifier.kind",
                         "required (PNC, NOMS, CRN, NHS_NUMBER or LOCAL_AUTHORITY_REF)"));
  EXPECT_THAT(ValidateIdentifier(Identifier(v1::IDENTIFIER_KIND_CRN, "123"), "identifier"),
              NamesField("identifier.value"));
}

TEST(ValidateIdentifierTest, KindsOutOfRangeAndLongValuesAreRefused) {
  EXPECT_THAT(ValidateIdentifier(Identifier(static_cast<v1::IdentifierKind>(99), "A1234BC"),
                                 "identifier"),
              NamesField("identifier.kind"));
  // Spaces are allowed in NHS numbers, but not a megabyte of them.
  EXPECT_THAT(ValidateIdentifier(Identifier(v1::IDENTIFIER_KIND_NHS_NUMBER,
                                            std::string(1 << 20, ' ') + "9434765919"),
                                 "identifier"),
              FieldError("identifier.value", "at most 64 characters"));
}

TEST(ValidateLinkIdentifierTest, SubjectAndIdentifier) {
  v1::LinkIdentifierRequest link;
  link.set_subject_id(Id("sub"));
  *link.mutable_identifier() = Identifier(v1::IDENTIFIER_KIND_CRN, "X123456");
  EXPECT_THAT(ValidateLinkIdentifier(link), IsOk());
  link.clear_subject_id();
  EXPECT_THAT(ValidateLinkIdentifier(link), FieldError("subject_id", "required"));
  v1::UnlinkIdentifierRequest unlink;
  unlink.set_subject_id(Id("sub"));
  EXPECT_THAT(ValidateUnlinkIdentifier(unlink), NamesField("identifier.kind"));
  v1::SetHomeAreaRequest area;
  area.set_subject_id(Id("sub"));
  EXPECT_THAT(ValidateSetHomeArea(area), FieldError("home_area", "required"));
  area.set_home_area(std::string(1 << 16, ' ') + "E06000018");
  EXPECT_THAT(ValidateSetHomeArea(area), FieldError("home_area", "at most 64 characters"));
  area.set_home_area("e06000018");
  EXPECT_EQ(*ValidateSetHomeArea(area), "E06000018");
}

TEST(ValidateHomeAreaTest, OptionalOrRequired) {
  EXPECT_EQ(*ValidateHomeArea("", "home_area", false), "");
  EXPECT_EQ(*ValidateHomeArea("e06000018", "home_area", false), "E06000018");
  EXPECT_THAT(ValidateHomeArea("", "home_area", true), FieldError("home_area", "required"));
  EXPECT_THAT(ValidateHomeArea("X1", "home_area", true), NamesField("home_area"));
}

TEST(ValidateRegisterSubjectTest, GoodRequest) {
  v1::RegisterSubjectRequest req;
  *req.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_NOMS, "A1234BC");
  *req.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_CRN, "x123456");
  req.set_home_area("E06000018");
  auto p = ValidateRegisterSubject(req);
  ASSERT_THAT(p, IsOk());
  ASSERT_EQ(p->identifiers.size(), 2u);
  EXPECT_EQ(p->identifiers[1].value, "X123456");
  EXPECT_EQ(p->home_area, "E06000018");
}

TEST(ValidateRegisterSubjectTest, BadRequests) {
  v1::RegisterSubjectRequest req;
  EXPECT_THAT(ValidateRegisterSubject(req), FieldError("identifiers", "at least one is required"));
  for (int i = 0; i < 11; ++i) {
    *req.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_NOMS, "A1234BC");
  }
  EXPECT_THAT(ValidateRegisterSubject(req), FieldError("identifiers", "at most 10"));

  req.clear_identifiers();
  *req.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_NOMS, "A1234BC");
  *req.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_NOMS, "a1234bc");  // the same, normalized
  EXPECT_THAT(ValidateRegisterSubject(req), FieldError("identifiers[1]", "given twice"));

  req.mutable_identifiers(1)->set_value("A12");
  EXPECT_THAT(ValidateRegisterSubject(req), NamesField("identifiers[1].value"));

  req.mutable_identifiers()->RemoveLast();
  req.set_home_area("nowhere");
  EXPECT_THAT(ValidateRegisterSubject(req), NamesField("home_area"));
}

TEST(ValidateStartRelationshipTest, AllocationOrCustodyOnly) {
  v1::StartRelationshipRequest req;
  req.set_subject_id(Id("sub"));
  req.set_kind(v1::RELATIONSHIP_KIND_ALLOCATION);
  EXPECT_EQ(*ValidateStartRelationship(req), RelationshipKind::kAllocation);
  req.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  EXPECT_EQ(*ValidateStartRelationship(req), RelationshipKind::kCustody);
  req.set_kind(v1::RELATIONSHIP_KIND_REFERRAL);
  EXPECT_THAT(ValidateStartRelationship(req),
              FieldError("kind", "referral relationships are started by referrals themselves"));
  req.clear_kind();
  EXPECT_THAT(ValidateStartRelationship(req),
              FieldError("kind", "required (ALLOCATION or CUSTODY)"));
  req.set_kind(static_cast<v1::RelationshipKind>(9));
  EXPECT_THAT(ValidateStartRelationship(req),
              FieldError("kind", "unknown value 9 (expected one of: RELATIONSHIP_KIND_ALLOCATION, "
                                 "RELATIONSHIP_KIND_CUSTODY, RELATIONSHIP_KIND_REFERRAL)"));
  req.clear_kind();
  req.set_note(std::string(1001, 'n'));
  EXPECT_THAT(ValidateStartRelationship(req), FieldError("note", "at most 1000 characters"));
  req.clear_subject_id();
  EXPECT_THAT(ValidateStartRelationship(req), FieldError("subject_id", "required"));
}

}  // namespace
}  // namespace throughcare::server
