#include "services/server/validate_consent.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/server/agency_kinds.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

using validation::DeclaredIds;
using validation::Invalid;
using validation::MaxLength;
using validation::Required;
using validation::Text;
using validation::OptionalTimestampField;
using validation::TimestampField;

// The evidence kind, and what that kind needs said about it.
absl::StatusOr<ConsentEvidence> ValidateEvidence(const v1::RecordConsentRequest& req) {
  RETURN_IF_ERROR(
      validation::EnumValue(req.evidence(), *v1::ConsentEvidence_descriptor(), "evidence", false));
  switch (req.evidence()) {
    case v1::CONSENT_EVIDENCE_SIGNED_FORM:
      if (req.evidence_reference().empty()) {
        return Invalid("evidence_reference", "required for a signed form: where it is kept");
      }
      return ConsentEvidence::kSignedForm;
    case v1::CONSENT_EVIDENCE_VERBAL_WITNESSED:
      if (req.evidence_detail().empty()) {
        return Invalid("evidence_detail", "required for verbal consent: the witness");
      }
      return ConsentEvidence::kVerbalWitnessed;
    case v1::CONSENT_EVIDENCE_REPRESENTATIVE:
      if (req.evidence_detail().empty()) {
        return Invalid("evidence_detail",
                       "required for consent by a representative: who, and their standing");
      }
      return ConsentEvidence::kRepresentative;
    default:
      return Invalid("evidence", "required (SIGNED_FORM, VERBAL_WITNESSED or REPRESENTATIVE)");
  }
}

// Agencies the broker knows, none twice; or none, when kinds are named.
absl::Status ValidateRecipientAgencies(const v1::RecordConsentRequest& req,
                                       const AgencyKindLookup& agencies) {
  if (req.recipient_agencies().empty() && req.recipient_kinds().empty()) {
    return Invalid("recipient_agencies", "name at least one recipient agency or agency kind");
  }
  RETURN_IF_ERROR(validation::MaxCount(req.recipient_agencies_size(), 50, "recipient_agencies"));
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.recipient_agencies_size(); ++i) {
    const std::string field = absl::StrCat("recipient_agencies[", i, "]");
    RETURN_IF_ERROR(validation::KnownAgency(req.recipient_agencies(i), field, agencies));
    if (!seen.insert(req.recipient_agencies(i)).second) return Invalid(field, "given twice");
  }
  return absl::OkStatus();
}

// The practitioner an explanation is asked for; nullopt when none of as_* is given.
absl::StatusOr<std::optional<Principal>> ValidateExplainedPrincipal(
    const v1::CheckAccessRequest& req, const policy::Policy& policy,
    const AgencyKindLookup& agency_kind) {
  const int given = !req.as_agency().empty() + !req.as_user().empty() + !req.as_role().empty();
  if (given != 0 && given != 3) {
    return Invalid("as_agency", "as_agency, as_user and as_role go together");
  }
  if (given == 0) return std::nullopt;
  Principal as;
  as.agency_id = req.as_agency();
  RETURN_IF_ERROR(MaxLength(req.as_agency(), validation::kMaxNameLength, "as_agency"));
  absl::StatusOr<std::string> kind = agency_kind(req.as_agency());
  if (!kind.ok()) {
    return Invalid("as_agency", absl::StrCat("unknown agency '", req.as_agency(), "'"));
  }
  as.agency_kind = *kind;
  RETURN_IF_ERROR(MaxLength(req.as_role(), validation::kMaxNameLength, "as_role"));
  if (!policy.HasRole(req.as_role())) {
    return Invalid("as_role", absl::StrCat("unknown role '", req.as_role(), "'"));
  }
  as.role = req.as_role();
  RETURN_IF_ERROR(MaxLength(req.as_user(), 256, "as_user"));
  as.user_id = req.as_user();
  as.system_id = "(explanation)";
  return as;
}

}  // namespace

absl::StatusOr<consent::RecordConsentParams> ValidateRecordConsent(
    const v1::RecordConsentRequest& req, const policy::Policy& policy,
    const AgencyKindLookup& agencies) {
  consent::RecordConsentParams p;
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  RETURN_IF_ERROR(
      DeclaredIds(req.data_classes(), "data_classes", "data class", policy.data_classes(), true));
  p.data_classes.assign(req.data_classes().begin(), req.data_classes().end());
  RETURN_IF_ERROR(DeclaredIds(req.purposes(), "purposes", "purpose", policy.purposes(), true));
  p.purposes.assign(req.purposes().begin(), req.purposes().end());
  RETURN_IF_ERROR(ValidateRecipientAgencies(req, agencies));
  p.recipient_agencies.assign(req.recipient_agencies().begin(), req.recipient_agencies().end());
  RETURN_IF_ERROR(DeclaredIds(req.recipient_kinds(), "recipient_kinds", "agency kind",
                              AgencyKinds(), false));
  p.recipient_kinds.assign(req.recipient_kinds().begin(), req.recipient_kinds().end());
  ASSIGN_OR_RETURN(p.valid_from,
                   OptionalTimestampField(req.has_valid_from(), req.valid_from(), "valid_from"));
  if (!req.has_valid_until()) return Required("valid_until");
  ASSIGN_OR_RETURN(p.valid_until, TimestampField(req.valid_until(), "valid_until"));
  if (p.valid_from.has_value() && p.valid_until <= *p.valid_from) {
    return Invalid("valid_until", "must be after valid_from");
  }
  ASSIGN_OR_RETURN(p.evidence, ValidateEvidence(req));
  RETURN_IF_ERROR(Text(req.evidence_reference(), "evidence_reference", false, 500));
  RETURN_IF_ERROR(Text(req.evidence_detail(), "evidence_detail", false, 1000));
  p.evidence_reference = req.evidence_reference();
  p.evidence_detail = req.evidence_detail();
  return p;
}

absl::Status ValidateWithdrawConsent(const v1::WithdrawConsentRequest& req) {
  RETURN_IF_ERROR(ValidateOpaqueId(req.consent_id(), "con", "consent_id"));
  return Text(req.reason(), "reason", true, 1000);
}

absl::StatusOr<consent::CheckAccessParams> ValidateCheckAccess(
    const v1::CheckAccessRequest& req, const policy::Policy& policy,
    const AgencyKindLookup& agency_kind) {
  consent::CheckAccessParams p;
  if (req.record_id().empty() == req.data_class().empty()) {
    return Invalid("record_id", "give either a record_id or a data_class");
  }
  if (!req.record_id().empty()) {
    RETURN_IF_ERROR(ValidateRecordId(req.record_id(), "record_id"));
    if (!req.subject_id().empty()) {
      RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
    }
  } else {
    RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
    RETURN_IF_ERROR(MaxLength(req.data_class(), validation::kMaxNameLength, "data_class"));
    if (!policy.HasDataClass(req.data_class())) {
      return Invalid("data_class", absl::StrCat("unknown data class '", req.data_class(), "'"));
    }
  }
  p.subject_id = req.subject_id();
  p.record_id = req.record_id();
  p.data_class = req.data_class();
  p.action = req.action().empty() ? std::string(policy::kRecordRead) : req.action();
  RETURN_IF_ERROR(MaxLength(p.action, 64, "action"));
  RETURN_IF_ERROR(ValidateBreakGlassReason(req.break_glass_reason()));
  p.break_glass_reason = req.break_glass_reason();
  RETURN_IF_ERROR(MaxLength(req.access_purpose(), validation::kMaxNameLength, "access_purpose"));
  if (!req.access_purpose().empty() && !policy.HasPurpose(req.access_purpose())) {
    return Invalid("access_purpose",
                   absl::StrCat("unknown purpose '", req.access_purpose(), "'"));
  }
  p.access_purpose = req.access_purpose();
  ASSIGN_OR_RETURN(p.as, ValidateExplainedPrincipal(req, policy, agency_kind));
  return p;
}

}  // namespace throughcare::server
