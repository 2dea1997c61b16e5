#include "services/server/validate_subjects.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/identifiers/identifiers.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {

using validation::EnumValue;
using validation::Invalid;
using validation::MaxLength;
using validation::Required;
using validation::Text;

absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateIdentifier(
    const v1::Identifier& id, absl::string_view field) {
  RETURN_IF_ERROR(
      EnumValue(id.kind(), *v1::IdentifierKind_descriptor(), absl::StrCat(field, ".kind"), false));
  IdentifierKind kind;
  switch (id.kind()) {
    case v1::IDENTIFIER_KIND_PNC:
      kind = IdentifierKind::kPnc;
      break;
    case v1::IDENTIFIER_KIND_NOMS:
      kind = IdentifierKind::kNoms;
      break;
    case v1::IDENTIFIER_KIND_CRN:
      kind = IdentifierKind::kCrn;
      break;
    case v1::IDENTIFIER_KIND_NHS_NUMBER:
      kind = IdentifierKind::kNhsNumber;
      break;
    case v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF:
      kind = IdentifierKind::kLocalAuthorityRef;
      break;
    default:
      return Invalid(absl::StrCat(field, ".kind"),
                     "required (PNC, NOMS, CRN, NHS_NUMBER or LOCAL_AUTHORITY_REF)");
  }
  // Every kind's normal form is short; an NHS number may carry spaces.
  RETURN_IF_ERROR(MaxLength(id.value(), 64, absl::StrCat(field, ".value")));
  ASSIGN_OR_RETURN(std::string value, subjects::NormalizeIdentifier(
                                          kind, id.value(), absl::StrCat(field, ".value")));
  return subjects::SubjectService::IdentifierValue{kind, std::move(value)};
}

absl::StatusOr<std::string> ValidateHomeArea(const std::string& code, absl::string_view field,
                                             bool required) {
  if (code.empty()) {
    if (required) return Required(field);
    return std::string();
  }
  RETURN_IF_ERROR(MaxLength(code, 64, field));
  return subjects::NormalizeHomeArea(code, field);
}

absl::StatusOr<RegisterParams> ValidateRegisterSubject(const v1::RegisterSubjectRequest& req) {
  RegisterParams p;
  if (req.identifiers().empty()) return Invalid("identifiers", "at least one is required");
  if (req.identifiers_size() > 10) return Invalid("identifiers", "at most 10");
  for (int i = 0; i < req.identifiers_size(); ++i) {
    std::string field = absl::StrCat("identifiers[", i, "]");
    ASSIGN_OR_RETURN(auto id, ValidateIdentifier(req.identifiers(i), field));
    for (const auto& earlier : p.identifiers) {
      if (earlier.kind == id.kind && earlier.value == id.value) {
        return Invalid(field, "given twice");
      }
    }
    p.identifiers.push_back(std::move(id));
  }
  ASSIGN_OR_RETURN(p.home_area, ValidateHomeArea(req.home_area(), "home_area", false));
  return p;
}

absl::StatusOr<RelationshipKind> ValidateStartRelationship(
    const v1::StartRelationshipRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  RETURN_IF_ERROR(Text(req.note(), "note", false, 1000));
  RETURN_IF_ERROR(EnumValue(req.kind(), *v1::RelationshipKind_descriptor(), "kind", false));
  switch (req.kind()) {
    case v1::RELATIONSHIP_KIND_ALLOCATION:
      return RelationshipKind::kAllocation;
    case v1::RELATIONSHIP_KIND_CUSTODY:
      return RelationshipKind::kCustody;
    case v1::RELATIONSHIP_KIND_REFERRAL:
      return Invalid("kind", "referral relationships are started by referrals themselves");
    default:
      return Invalid("kind", "required (ALLOCATION or CUSTODY)");
  }
}

namespace {

// A subject and one of their identifiers, as linking and unlinking give them.
template <typename Request>
absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateSubjectIdentifier(
    const Request& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  return ValidateIdentifier(req.identifier(), "identifier");
}

}  // namespace

absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateLinkIdentifier(
    const v1::LinkIdentifierRequest& req) {
  return ValidateSubjectIdentifier(req);
}

absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateUnlinkIdentifier(
    const v1::UnlinkIdentifierRequest& req) {
  return ValidateSubjectIdentifier(req);
}

absl::StatusOr<std::string> ValidateSetHomeArea(const v1::SetHomeAreaRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  return ValidateHomeArea(req.home_area(), "home_area", /*required=*/true);
}

}  // namespace throughcare::server
