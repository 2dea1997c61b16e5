#include "services/server/validate.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/server/config.h"
#include "services/subjects/identifiers.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status Required(absl::string_view field) { return Invalid(field, "required"); }

absl::Status MaxLength(const std::string& value, size_t max, absl::string_view field) {
  if (value.size() > max) return Invalid(field, absl::StrCat("at most ", max, " characters"));
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateOpaqueId(const std::string& id, absl::string_view prefix,
                              absl::string_view field) {
  if (id.empty()) return Required(field);
  bool ok = id.size() == prefix.size() + 1 + 26 && absl::string_view(id).substr(0, prefix.size()) == prefix &&
            id[prefix.size()] == '_';
  for (size_t i = prefix.size() + 1; ok && i < id.size(); ++i) {
    char c = id[i];
    ok = (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat("malformed id (expected '", prefix,
                                       "_' and 26 base32 characters)"));
  }
  return absl::OkStatus();
}

namespace {

absl::Status OpaqueId(const std::string& id, absl::string_view prefix, absl::string_view field) {
  return ValidateOpaqueId(id, prefix, field);
}

// A list of ids each declared by `known`, at least one, none twice.
absl::Status DeclaredIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                         absl::string_view field, absl::string_view what,
                         const std::vector<std::string>& declared, bool required) {
  if (ids.empty() && required) return Invalid(field, "at least one is required");
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < ids.size(); ++i) {
    std::string f = absl::StrCat(field, "[", i, "]");
    if (std::find(declared.begin(), declared.end(), ids[i]) == declared.end()) {
      return Invalid(f, absl::StrCat("unknown ", what, " '", ids[i], "' (expected one of: ",
                                     absl::StrJoin(declared, ", "), ")"));
    }
    if (!seen.insert(ids[i]).second) return Invalid(f, "given twice");
  }
  return absl::OkStatus();
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// ISO 8601 calendar date "YYYY-MM-DD".
absl::Status Date(const std::string& value, absl::string_view field, bool required) {
  if (value.empty()) return required ? Required(field) : absl::OkStatus();
  absl::CivilDay day;
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day) ||
      absl::FormatCivilTime(day) != value) {
    return Invalid(field, "expected a date as YYYY-MM-DD");
  }
  return absl::OkStatus();
}

absl::Status Text(const std::string& value, absl::string_view field, bool required,
                  size_t max = 4000) {
  if (value.empty() && required) return Required(field);
  return MaxLength(value, max, field);
}

absl::Status ValidateBody(const v1::RecordBody& body) {
  using v1::RecordBody;
  switch (body.body_case()) {
    case RecordBody::kDrugInterventionsRecord: {
      const auto& b = body.drug_interventions_record();
      const std::string f = "body.drug_interventions_record";
      RETURN_IF_ERROR(Date(b.assessment_date(), f + ".assessment_date", true));
      if (b.substances().empty()) return Required(f + ".substances");
      for (int i = 0; i < b.substances_size(); ++i) {
        RETURN_IF_ERROR(Text(b.substances(i), absl::StrCat(f, ".substances[", i, "]"), true, 200));
      }
      RETURN_IF_ERROR(Text(b.notes(), f + ".notes", false));
      return absl::OkStatus();
    }
    case RecordBody::kCarePlan: {
      const auto& b = body.care_plan();
      const std::string f = "body.care_plan";
      if (b.goals().empty()) return Required(f + ".goals");
      for (int i = 0; i < b.goals_size(); ++i) {
        std::string g = absl::StrCat(f, ".goals[", i, "]");
        RETURN_IF_ERROR(Text(b.goals(i).description(), g + ".description", true));
        RETURN_IF_ERROR(Date(b.goals(i).due_date(), g + ".due_date", false));
      }
      RETURN_IF_ERROR(Date(b.review_date(), f + ".review_date", false));
      return Text(b.summary(), f + ".summary", false);
    }
    case RecordBody::kReleaseNotification: {
      const auto& b = body.release_notification();
      const std::string f = "body.release_notification";
      RETURN_IF_ERROR(Date(b.release_date(), f + ".release_date", true));
      RETURN_IF_ERROR(Text(b.releasing_establishment(), f + ".releasing_establishment", true, 200));
      if (!b.release_area().empty()) {
        RETURN_IF_ERROR(ValidateHomeArea(b.release_area(), f + ".release_area", true).status());
      }
      return Text(b.notes(), f + ".notes", false);
    }
    case RecordBody::kHealthSummary: {
      const auto& b = body.health_summary();
      const std::string f = "body.health_summary";
      for (int i = 0; i < b.conditions_size(); ++i) {
        std::string c = absl::StrCat(f, ".conditions[", i, "]");
        RETURN_IF_ERROR(Text(b.conditions(i).name(), c + ".name", true, 200));
        RETURN_IF_ERROR(Date(b.conditions(i).since(), c + ".since", false));
      }
      for (int i = 0; i < b.prescriptions_size(); ++i) {
        RETURN_IF_ERROR(Text(b.prescriptions(i).medicine(),
                             absl::StrCat(f, ".prescriptions[", i, "].medicine"), true, 200));
      }
      return Text(b.notes(), f + ".notes", false);
    }
    case RecordBody::kAccommodationNeed: {
      const auto& b = body.accommodation_need();
      const std::string f = "body.accommodation_need";
      RETURN_IF_ERROR(Text(b.current_status(), f + ".current_status", true, 200));
      RETURN_IF_ERROR(Date(b.need_by_date(), f + ".need_by_date", false));
      if (!b.local_authority().empty()) {
        RETURN_IF_ERROR(ValidateHomeArea(b.local_authority(), f + ".local_authority", true).status());
      }
      return Text(b.notes(), f + ".notes", false);
    }
    case RecordBody::kRiskSummary: {
      const auto& b = body.risk_summary();
      const std::string f = "body.risk_summary";
      if (b.risk_of_serious_harm() == v1::RiskSummary::LEVEL_UNSPECIFIED) {
        return Required(f + ".risk_of_serious_harm");
      }
      if (b.mappa_category() < 0 || b.mappa_category() > 3) {
        return Invalid(f + ".mappa_category", "expected 1, 2 or 3 (0 when not a MAPPA case)");
      }
      if (b.mappa_level() < 0 || b.mappa_level() > 3) {
        return Invalid(f + ".mappa_level", "expected 1, 2 or 3 (0 when not a MAPPA case)");
      }
      if ((b.mappa_category() == 0) != (b.mappa_level() == 0)) {
        return Invalid(f + ".mappa_level", "MAPPA category and level are given together or not "
                                           "at all");
      }
      return Text(b.summary(), f + ".summary", false);
    }
    case RecordBody::BODY_NOT_SET:
      break;
  }
  return Required("body");
}

}  // namespace

std::string RecordTypeOf(const v1::RecordBody& body) {
  using v1::RecordBody;
  switch (body.body_case()) {
    case RecordBody::kDrugInterventionsRecord:
      return "drug_interventions_record";
    case RecordBody::kCarePlan:
      return "care_plan";
    case RecordBody::kReleaseNotification:
      return "release_notification";
    case RecordBody::kHealthSummary:
      return "health_summary";
    case RecordBody::kAccommodationNeed:
      return "accommodation_need";
    case RecordBody::kRiskSummary:
      return "risk_summary";
    case RecordBody::BODY_NOT_SET:
      break;
  }
  return "";
}

absl::Status ValidatePurpose(const std::string& purpose, const policy::Policy& policy) {
  if (purpose.empty()) {
    return Invalid("purpose", absl::StrCat("required: declare a purpose of use (one of: ",
                                           absl::StrJoin(policy.purposes(), ", "), ")"));
  }
  if (!policy.HasPurpose(purpose)) {
    return Invalid("purpose", absl::StrCat("unknown purpose '", purpose, "' (expected one of: ",
                                           absl::StrJoin(policy.purposes(), ", "), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSubjectId(const std::string& id, absl::string_view field) {
  return OpaqueId(id, "sub", field);
}

absl::Status ValidateRecordId(const std::string& id, absl::string_view field) {
  return OpaqueId(id, "rec", field);
}

absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateIdentifier(
    const v1::Identifier& id, absl::string_view field) {
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

// The contents of a record to put: body, data class and labels. `prefix` goes before each field
// name ("" for PutRecord, "inline_record." for a send).
absl::Status ValidateRecordContent(bool has_body, const v1::RecordBody& body,
                                   const std::string& data_class,
                                   const google::protobuf::RepeatedPtrField<std::string>& labels,
                                   const policy::Policy& policy, absl::string_view prefix,
                                   records::PutRecordParams& p) {
  if (!has_body) return Required(absl::StrCat(prefix, "body"));
  RETURN_IF_ERROR(ValidateBody(body));
  p.record_type = RecordTypeOf(body);
  if (body.has_release_notification()) {
    p.release_date.emplace();
    absl::ParseCivilTime(body.release_notification().release_date(), &*p.release_date);
  }
  if (data_class.empty()) return Required(absl::StrCat(prefix, "data_class"));
  if (!policy.HasDataClass(data_class)) {
    return Invalid(absl::StrCat(prefix, "data_class"),
                   absl::StrCat("unknown data class '", data_class, "' (expected one of: ",
                                absl::StrJoin(policy.data_classes(), ", "), ")"));
  }
  const std::vector<std::string>* allowed = records::DataClassesFor(p.record_type);
  if (allowed == nullptr ||
      std::find(allowed->begin(), allowed->end(), data_class) == allowed->end()) {
    return Invalid(absl::StrCat(prefix, "data_class"),
                   absl::StrCat("a ", p.record_type, " may not be filed as '", data_class,
                                "' (allowed: ", allowed ? absl::StrJoin(*allowed, ", ") : "", ")"));
  }
  p.data_class = data_class;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    std::string field = absl::StrCat(prefix, "labels[", i, "]");
    if (!policy.HasLabel(label)) {
      return Invalid(field, absl::StrCat("unknown label '", label, "' (expected one of: ",
                                         absl::StrJoin(policy.labels(), ", "), ")"));
    }
    if (!seen.insert(label).second) return Invalid(field, "given twice");
    p.labels.push_back(label);
  }
  if (!body.SerializeToString(&p.body))
    return Invalid(absl::StrCat(prefix, "body"), "cannot be serialized");
  if (p.body.size() > 1 << 20) return Invalid(absl::StrCat(prefix, "body"), "larger than 1 MiB");
  return absl::OkStatus();
}

absl::StatusOr<records::PutRecordParams> ValidatePutRecord(const v1::PutRecordRequest& req,
                                                           const policy::Policy& policy) {
  records::PutRecordParams p;
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  if (req.record_id().empty()) {
    if (req.expected_version() != 0) {
      return Invalid("expected_version", "must be 0 when creating a record (record_id empty)");
    }
  } else {
    RETURN_IF_ERROR(ValidateRecordId(req.record_id(), "record_id"));
    if (req.expected_version() < 1) {
      return Invalid("expected_version",
                     "required when adding a version: the latest version you read");
    }
  }
  p.record_id = req.record_id();
  p.expected_version = req.expected_version();
  RETURN_IF_ERROR(ValidateRecordContent(req.has_body(), req.body(), req.data_class(), req.labels(),
                                        policy, "", p));
  return p;
}

absl::StatusOr<consent::RecordConsentParams> ValidateRecordConsent(
    const v1::RecordConsentRequest& req, const policy::Policy& policy) {
  consent::RecordConsentParams p;
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  RETURN_IF_ERROR(
      DeclaredIds(req.data_classes(), "data_classes", "data class", policy.data_classes(), true));
  p.data_classes.assign(req.data_classes().begin(), req.data_classes().end());
  RETURN_IF_ERROR(DeclaredIds(req.purposes(), "purposes", "purpose", policy.purposes(), true));
  p.purposes.assign(req.purposes().begin(), req.purposes().end());
  if (req.recipient_agencies().empty() && req.recipient_kinds().empty()) {
    return Invalid("recipient_agencies", "name at least one recipient agency or agency kind");
  }
  for (int i = 0; i < req.recipient_agencies_size(); ++i) {
    RETURN_IF_ERROR(MaxLength(req.recipient_agencies(i), 64,
                              absl::StrCat("recipient_agencies[", i, "]")));
    if (req.recipient_agencies(i).empty()) {
      return Required(absl::StrCat("recipient_agencies[", i, "]"));
    }
  }
  p.recipient_agencies.assign(req.recipient_agencies().begin(), req.recipient_agencies().end());
  RETURN_IF_ERROR(DeclaredIds(req.recipient_kinds(), "recipient_kinds", "agency kind",
                              AgencyKinds(), false));
  p.recipient_kinds.assign(req.recipient_kinds().begin(), req.recipient_kinds().end());
  if (req.has_valid_from()) p.valid_from = TimeOf(req.valid_from());
  if (!req.has_valid_until()) return Required("valid_until");
  p.valid_until = TimeOf(req.valid_until());
  if (p.valid_from.has_value() && p.valid_until <= *p.valid_from) {
    return Invalid("valid_until", "must be after valid_from");
  }
  switch (req.evidence()) {
    case v1::CONSENT_EVIDENCE_SIGNED_FORM:
      p.evidence = ConsentEvidence::kSignedForm;
      if (req.evidence_reference().empty()) {
        return Invalid("evidence_reference", "required for a signed form: where it is kept");
      }
      break;
    case v1::CONSENT_EVIDENCE_VERBAL_WITNESSED:
      p.evidence = ConsentEvidence::kVerbalWitnessed;
      if (req.evidence_detail().empty()) {
        return Invalid("evidence_detail", "required for verbal consent: the witness");
      }
      break;
    case v1::CONSENT_EVIDENCE_REPRESENTATIVE:
      p.evidence = ConsentEvidence::kRepresentative;
      if (req.evidence_detail().empty()) {
        return Invalid("evidence_detail",
                       "required for consent by a representative: who, and their standing");
      }
      break;
    default:
      return Invalid("evidence", "required (SIGNED_FORM, VERBAL_WITNESSED or REPRESENTATIVE)");
  }
  RETURN_IF_ERROR(Text(req.evidence_reference(), "evidence_reference", false, 500));
  RETURN_IF_ERROR(Text(req.evidence_detail(), "evidence_detail", false, 1000));
  p.evidence_reference = req.evidence_reference();
  p.evidence_detail = req.evidence_detail();
  return p;
}

absl::Status ValidateWithdrawConsent(const v1::WithdrawConsentRequest& req) {
  RETURN_IF_ERROR(OpaqueId(req.consent_id(), "con", "consent_id"));
  return Text(req.reason(), "reason", true, 1000);
}

absl::StatusOr<consent::CheckAccessParams> ValidateCheckAccess(
    const v1::CheckAccessRequest& req, const policy::Policy& policy,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& agency_kind) {
  consent::CheckAccessParams p;
  if (req.record_id().empty() == req.data_class().empty()) {
    return Invalid("record_id", "give either a record_id or a data_class");
  }
  if (!req.record_id().empty()) {
    RETURN_IF_ERROR(ValidateRecordId(req.record_id(), "record_id"));
    if (!req.subject_id().empty()) RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  } else {
    RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
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
  if (!req.access_purpose().empty() && !policy.HasPurpose(req.access_purpose())) {
    return Invalid("access_purpose",
                   absl::StrCat("unknown purpose '", req.access_purpose(), "'"));
  }
  p.access_purpose = req.access_purpose();
  const int given = !req.as_agency().empty() + !req.as_user().empty() + !req.as_role().empty();
  if (given != 0 && given != 3) {
    return Invalid("as_agency", "as_agency, as_user and as_role go together");
  }
  if (given == 3) {
    Principal as;
    as.agency_id = req.as_agency();
    absl::StatusOr<std::string> kind = agency_kind(req.as_agency());
    if (!kind.ok()) {
      return Invalid("as_agency", absl::StrCat("unknown agency '", req.as_agency(), "'"));
    }
    as.agency_kind = *kind;
    if (!policy.HasRole(req.as_role())) {
      return Invalid("as_role", absl::StrCat("unknown role '", req.as_role(), "'"));
    }
    as.role = req.as_role();
    RETURN_IF_ERROR(MaxLength(req.as_user(), 256, "as_user"));
    as.user_id = req.as_user();
    as.system_id = "(explanation)";
    p.as = std::move(as);
  }
  return p;
}

absl::StatusOr<RelationshipKind> ValidateStartRelationship(
    const v1::StartRelationshipRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  RETURN_IF_ERROR(Text(req.note(), "note", false, 1000));
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

absl::Status ValidateBreakGlassReason(const std::string& reason) {
  return MaxLength(reason, 2000, "break_glass_reason");
}

absl::StatusOr<ReviewPage> ValidateListReviewItems(const v1::ListReviewItemsRequest& req) {
  ReviewPage page;
  int size = req.page().page_size();
  if (size < 0 || size > 1000) return Invalid("page.page_size", "must be between 0 and 1000");
  page.limit = size == 0 ? 100 : size;
  if (!req.page().page_token().empty() &&
      (!absl::SimpleAtoi(req.page().page_token(), &page.after_seq) || page.after_seq < 0)) {
    return Invalid("page.page_token", "not a token returned by this call");
  }
  return page;
}

absl::StatusOr<ReviewOutcome> ValidateCloseReviewItem(const v1::CloseReviewItemRequest& req) {
  RETURN_IF_ERROR(OpaqueId(req.review_id(), "rev", "review_id"));
  RETURN_IF_ERROR(Text(req.note(), "note", true, 2000));
  switch (req.outcome()) {
    case v1::REVIEW_OUTCOME_JUSTIFIED:
      return ReviewOutcome::kJustified;
    case v1::REVIEW_OUTCOME_NOT_JUSTIFIED:
      return ReviewOutcome::kNotJustified;
    case v1::REVIEW_OUTCOME_REFERRED:
      return ReviewOutcome::kReferred;
    default:
      return Invalid("outcome", "required (JUSTIFIED, NOT_JUSTIFIED or REFERRED)");
  }
}

absl::StatusOr<AuditQuery> ValidateQueryAuditLog(const v1::QueryAuditLogRequest& req) {
  AuditQuery q;
  if (!req.subject_id().empty()) RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  q.subject_id = req.subject_id();
  RETURN_IF_ERROR(MaxLength(req.agency_id(), 64, "agency_id"));
  q.agency_id = req.agency_id();
  RETURN_IF_ERROR(MaxLength(req.user_id(), 256, "user_id"));
  q.user_id = req.user_id();
  RETURN_IF_ERROR(MaxLength(req.action(), 64, "action"));
  q.action = req.action();
  switch (req.decision()) {
    case v1::DECISION_UNSPECIFIED:
      break;
    case v1::DECISION_ALLOW:
      q.decision = AuditDecision::kAllow;
      break;
    case v1::DECISION_DENY:
      q.decision = AuditDecision::kDeny;
      break;
    default:
      return Invalid("decision", "unknown value");
  }
  if (req.has_from_time()) q.from = TimeOf(req.from_time());
  if (req.has_until_time()) q.until = TimeOf(req.until_time());
  if (q.from && q.until && *q.until <= *q.from) {
    return Invalid("until_time", "must be after from_time");
  }
  int size = req.page().page_size();
  if (size < 0 || size > 1000) return Invalid("page.page_size", "must be between 0 and 1000");
  q.limit = size == 0 ? 100 : size;
  if (!req.page().page_token().empty()) {
    if (!absl::SimpleAtoi(req.page().page_token(), &q.after_seq) || q.after_seq < 0) {
      return Invalid("page.page_token", "not a token returned by this call");
    }
  }
  return q;
}

// ---- Messaging ----

namespace {

// A duration field: unset gives `fallback`; otherwise within [min, max].
absl::StatusOr<absl::Duration> ValidateDuration(bool has, const google::protobuf::Duration& d,
                                                absl::Duration min, absl::Duration max,
                                                absl::Duration fallback, absl::string_view field) {
  if (!has) return fallback;
  if (d.nanos() < 0 || d.nanos() >= 1000000000 || d.seconds() < 0) {
    return Invalid(field, "must be a non-negative duration");
  }
  const absl::Duration value = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (value < min || value > max) {
    return Invalid(field, absl::StrCat("must be from ", absl::FormatDuration(min), " to ",
                                       absl::FormatDuration(max), " (got ",
                                       absl::FormatDuration(value), ")"));
  }
  return value;
}

bool IsKeyChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

// Required, so that a retried request is not carried out twice.
absl::Status ValidateIdempotencyKey(const std::string& key, absl::string_view what) {
  if (key.empty()) {
    return Invalid("idempotency_key", absl::StrCat("required: a key unique to this ", what,
                                                   ", so that a retry is not carried out twice"));
  }
  if (key.size() > 128 || !std::all_of(key.begin(), key.end(), IsKeyChar)) {
    return Invalid("idempotency_key", "must be 1-128 of [A-Za-z0-9._:-]");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<messaging::SendParams> ValidateSend(const v1::SendRequest& req,
                                                   const policy::Policy& policy) {
  messaging::SendParams p;
  if (req.recipient_agencies().empty()) return Required("recipient_agencies");
  if (req.recipient_agencies_size() > 16) {
    return Invalid("recipient_agencies", "at most 16 recipients per message");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.recipient_agencies_size(); ++i) {
    const std::string field = absl::StrCat("recipient_agencies[", i, "]");
    const std::string& agency = req.recipient_agencies(i);
    if (agency.empty()) return Required(field);
    RETURN_IF_ERROR(MaxLength(agency, 64, field));
    if (!seen.insert(agency).second)
      return Invalid(field, absl::StrCat("'", agency, "' given twice"));
    p.recipients.push_back(agency);
  }
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  if (req.records().empty() && !req.has_inline_record()) {
    return Invalid("records",
                   "a message carries at least one record: give records or inline_record");
  }
  if (req.records_size() > 16) return Invalid("records", "at most 16 records per message");
  absl::flat_hash_set<std::string> record_ids;
  for (int i = 0; i < req.records_size(); ++i) {
    const std::string field = absl::StrCat("records[", i, "]");
    RETURN_IF_ERROR(
        ValidateRecordId(req.records(i).record_id(), absl::StrCat(field, ".record_id")));
    if (req.records(i).version() < 0) {
      return Invalid(absl::StrCat(field, ".version"), "must be 0 (latest) or a version number");
    }
    if (!record_ids.insert(req.records(i).record_id()).second) {
      return Invalid(absl::StrCat(field, ".record_id"), "the record is given twice");
    }
    p.records.push_back(RecordRef{req.records(i).record_id(), req.records(i).version()});
  }
  if (req.has_inline_record()) {
    records::PutRecordParams r;
    r.subject_id = req.subject_id();
    const v1::InlineRecord& in = req.inline_record();
    RETURN_IF_ERROR(ValidateRecordContent(in.has_body(), in.body(), in.data_class(), in.labels(),
                                          policy, "inline_record.", r));
    p.inline_record = std::move(r);
  }
  RETURN_IF_ERROR(ValidateIdempotencyKey(req.idempotency_key(), "message"));
  p.idempotency_key = req.idempotency_key();
  RETURN_IF_ERROR(MaxLength(req.correlation_id(), 128, "correlation_id"));
  p.correlation_id = req.correlation_id();
  ASSIGN_OR_RETURN(p.time_to_live,
                   ValidateDuration(req.has_time_to_live(), req.time_to_live(), absl::Minutes(1),
                                    absl::Hours(24 * 30), absl::Hours(24 * 5), "time_to_live"));
  return p;
}

absl::StatusOr<absl::Duration> ValidateLease(bool has, const google::protobuf::Duration& lease,
                                             absl::string_view field) {
  return ValidateDuration(has, lease, absl::Seconds(1), absl::Hours(1), absl::Seconds(60), field);
}

absl::StatusOr<messaging::Settlement> ValidateSettlement(const v1::Settlement& s,
                                                         absl::string_view field) {
  messaging::Settlement out;
  RETURN_IF_ERROR(ValidateOpaqueId(s.lease_id(), "lse", absl::StrCat(field, ".lease_id")));
  out.lease_id = s.lease_id();
  switch (s.outcome_case()) {
    case v1::Settlement::kAck:
      out.outcome = messaging::Settlement::Outcome::kAck;
      break;
    case v1::Settlement::kNack: {
      out.outcome = messaging::Settlement::Outcome::kNack;
      ASSIGN_OR_RETURN(
          out.retry_after,
          ValidateDuration(true, s.nack().retry_after(), absl::ZeroDuration(), absl::Hours(1),
                           absl::ZeroDuration(), absl::StrCat(field, ".nack.retry_after")));
      RETURN_IF_ERROR(MaxLength(s.nack().reason(), 500, absl::StrCat(field, ".nack.reason")));
      out.reason = s.nack().reason();
      break;
    }
    case v1::Settlement::kReject:
      out.outcome = messaging::Settlement::Outcome::kReject;
      if (s.reject().reason().empty()) return Required(absl::StrCat(field, ".reject.reason"));
      RETURN_IF_ERROR(MaxLength(s.reject().reason(), 500, absl::StrCat(field, ".reject.reason")));
      out.reason = s.reject().reason();
      break;
    case v1::Settlement::OUTCOME_NOT_SET:
      return Invalid(field, "set one of ack, nack or reject");
  }
  return out;
}

absl::StatusOr<std::vector<messaging::Settlement>> ValidateAck(const v1::AckRequest& req) {
  if (req.settlements().empty()) return Required("settlements");
  if (req.settlements_size() > 100) return Invalid("settlements", "at most 100 per call");
  std::vector<messaging::Settlement> out;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.settlements_size(); ++i) {
    const std::string field = absl::StrCat("settlements[", i, "]");
    ASSIGN_OR_RETURN(messaging::Settlement s, ValidateSettlement(req.settlements(i), field));
    if (!seen.insert(s.lease_id).second) {
      return Invalid(absl::StrCat(field, ".lease_id"), "the lease is settled twice");
    }
    out.push_back(std::move(s));
  }
  return out;
}

// ---- Referrals ----

absl::StatusOr<referrals::CreateParams> ValidateCreateReferral(
    const v1::CreateReferralRequest& req) {
  referrals::CreateParams p;
  if (req.referral_type().empty()) return Required("referral_type");
  RETURN_IF_ERROR(MaxLength(req.referral_type(), 64, "referral_type"));
  p.referral_type = req.referral_type();
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  if (req.records().empty()) {
    return Invalid("records", "attach at least one record (e.g. the drug interventions record)");
  }
  if (req.records_size() > 16) return Invalid("records", "at most 16 records per referral");
  for (int i = 0; i < req.records_size(); ++i) {
    const std::string field = absl::StrCat("records[", i, "]");
    RETURN_IF_ERROR(ValidateRecordId(req.records(i).record_id(), field + ".record_id"));
    if (req.records(i).version() < 0) {
      return Invalid(field + ".version", "must be 0 (latest) or a version number");
    }
    p.records.push_back(RecordRef{req.records(i).record_id(), req.records(i).version()});
  }
  RETURN_IF_ERROR(Date(req.event_date(), "event_date", false));
  if (!req.event_date().empty()) {
    p.event_date.emplace();
    absl::ParseCivilTime(req.event_date(), &*p.event_date);
  }
  RETURN_IF_ERROR(MaxLength(req.note(), 2000, "note"));
  p.note = req.note();
  RETURN_IF_ERROR(ValidateIdempotencyKey(req.idempotency_key(), "referral"));
  p.idempotency_key = req.idempotency_key();
  RETURN_IF_ERROR(MaxLength(req.recipient_agency(), 64, "recipient_agency"));
  p.recipient_agency = req.recipient_agency();
  return p;
}

absl::StatusOr<ReferralState> ValidateTransitionReferral(
    const v1::TransitionReferralRequest& req) {
  RETURN_IF_ERROR(ValidateOpaqueId(req.referral_id(), "ref", "referral_id"));
  if (req.to() == v1::REFERRAL_STATE_UNSPECIFIED || !v1::ReferralState_IsValid(req.to())) {
    return Invalid("to", "required: the state to move the referral to");
  }
  if (req.to() == v1::REFERRAL_STATE_SENT) {
    return Invalid("to", "a referral is sent when it is created; it cannot move back to sent");
  }
  RETURN_IF_ERROR(MaxLength(req.reason(), 2000, "reason"));
  return static_cast<ReferralState>(req.to());
}

absl::StatusOr<referrals::ListFilter> ValidateListReferrals(const v1::ListReferralsRequest& req) {
  referrals::ListFilter f;
  if (!req.subject_id().empty()) RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  f.subject_id = req.subject_id();
  f.open_only = req.open_only();
  f.overdue_only = req.overdue_only();
  const int size = req.page().page_size();
  if (size < 0 || size > 1000) return Invalid("page.page_size", "must be between 0 and 1000");
  f.page_size = size == 0 ? 100 : size;
  if (!req.page().page_token().empty()) {
    const std::vector<std::string> parts =
        absl::StrSplit(req.page().page_token(), absl::MaxSplits('.', 1));
    int64_t micros = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros) ||
        !ValidateOpaqueId(parts[1], "ref", "page.page_token").ok()) {
      return Invalid("page.page_token", "not a token returned by this call");
    }
    f.after = ReferralCursor{absl::FromUnixMicros(micros), parts[1]};
  }
  return f;
}

std::string ReferralPageToken(const ReferralCursor& next) {
  return absl::StrCat(absl::ToUnixMicros(next.created_at), ".", next.referral_id);
}

absl::StatusOr<absl::CivilDay> ValidateRecordRelease(const v1::RecordReleaseRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  RETURN_IF_ERROR(Date(req.release_date(), "release_date", true));
  absl::CivilDay day;
  absl::ParseCivilTime(req.release_date(), &day);
  return day;
}

absl::StatusOr<referrals::ReportParams> ValidateGetReferralReport(
    const v1::GetReferralReportRequest& req) {
  referrals::ReportParams p;
  if (!req.has_from()) return Required("from");
  if (!req.has_until()) return Required("until");
  p.from = TimeOf(req.from());
  p.until = TimeOf(req.until());
  if (p.until <= p.from) return Invalid("until", "must be after from");
  if (p.until - p.from > absl::Hours(24 * 731)) {
    return Invalid("until", "a report covers at most two years");
  }
  RETURN_IF_ERROR(MaxLength(req.referral_type(), 64, "referral_type"));
  p.referral_type = req.referral_type();
  p.by_receiving_agency = req.by_receiving_agency();
  return p;
}

}  // namespace throughcare::server
