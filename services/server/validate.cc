#include "services/server/validate.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
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

absl::Status OpaqueId(const std::string& id, absl::string_view prefix, absl::string_view field) {
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

// The data classes each record type may carry.
const std::vector<std::string>* AllowedClasses(const std::string& type) {
  static const auto* table = new std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"drug_interventions_record", {"drugs"}},
      {"care_plan", {"drugs"}},
      {"release_notification", {"custody"}},
      {"health_summary", {"health", "mental_health"}},
      {"accommodation_need", {"accommodation"}},
      {"risk_summary", {"risk"}},
  };
  for (const auto& [t, classes] : *table) {
    if (t == type) return &classes;
  }
  return nullptr;
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
  if (!req.has_body()) return Required("body");
  RETURN_IF_ERROR(ValidateBody(req.body()));
  p.record_type = RecordTypeOf(req.body());
  if (req.data_class().empty()) return Required("data_class");
  if (!policy.HasDataClass(req.data_class())) {
    return Invalid("data_class", absl::StrCat("unknown data class '", req.data_class(),
                                              "' (expected one of: ",
                                              absl::StrJoin(policy.data_classes(), ", "), ")"));
  }
  const std::vector<std::string>* allowed = AllowedClasses(p.record_type);
  if (allowed == nullptr ||
      std::find(allowed->begin(), allowed->end(), req.data_class()) == allowed->end()) {
    return Invalid("data_class",
                   absl::StrCat("a ", p.record_type, " may not be filed as '", req.data_class(),
                                "' (allowed: ", allowed ? absl::StrJoin(*allowed, ", ") : "",
                                ")"));
  }
  p.data_class = req.data_class();
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.labels_size(); ++i) {
    const std::string& label = req.labels(i);
    std::string field = absl::StrCat("labels[", i, "]");
    if (!policy.HasLabel(label)) {
      return Invalid(field, absl::StrCat("unknown label '", label, "' (expected one of: ",
                                         absl::StrJoin(policy.labels(), ", "), ")"));
    }
    if (!seen.insert(label).second) return Invalid(field, "given twice");
    p.labels.push_back(label);
  }
  if (!req.body().SerializeToString(&p.body)) return Invalid("body", "cannot be serialized");
  if (p.body.size() > 1 << 20) return Invalid("body", "larger than 1 MiB");
  return p;
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
  auto time_of = [](const google::protobuf::Timestamp& t) {
    return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  };
  if (req.has_from_time()) q.from = time_of(req.from_time());
  if (req.has_until_time()) q.until = time_of(req.until_time());
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

}  // namespace throughcare::server
