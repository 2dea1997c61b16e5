#include "services/server/validate_records.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/records/record_types.h"
#include "services/server/validate_subjects.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

using validation::Date;
using validation::EnumValue;
using validation::Invalid;
using validation::MaxCount;
using validation::MaxLength;
using validation::Required;
using validation::Text;

// Short text fields (a status, a name, a dose) and long ones (notes, summaries).
constexpr size_t kShortText = 200;
constexpr size_t kLongText = 4000;

// One validator per record type; `f` is the body field's name, e.g. "body.care_plan".

absl::Status ValidateDrugInterventionsRecord(const v1::DrugInterventionsRecord& b,
                                             const std::string& f) {
  RETURN_IF_ERROR(Date(b.assessment_date(), f + ".assessment_date", true));
  if (b.substances().empty()) return Required(f + ".substances");
  RETURN_IF_ERROR(MaxCount(b.substances_size(), 20, f + ".substances"));
  for (int i = 0; i < b.substances_size(); ++i) {
    RETURN_IF_ERROR(
        Text(b.substances(i), absl::StrCat(f, ".substances[", i, "]"), true, kShortText));
  }
  RETURN_IF_ERROR(MaxLength(b.treatment_status(), kShortText, f + ".treatment_status"));
  RETURN_IF_ERROR(MaxLength(b.treatment_provider(), kShortText, f + ".treatment_provider"));
  RETURN_IF_ERROR(MaxLength(b.prescribing(), 1000, f + ".prescribing"));
  return MaxLength(b.notes(), kLongText, f + ".notes");
}

absl::Status ValidateCarePlan(const v1::CarePlan& b, const std::string& f) {
  if (b.goals().empty()) return Required(f + ".goals");
  RETURN_IF_ERROR(MaxCount(b.goals_size(), 50, f + ".goals"));
  for (int i = 0; i < b.goals_size(); ++i) {
    std::string g = absl::StrCat(f, ".goals[", i, "]");
    RETURN_IF_ERROR(Text(b.goals(i).description(), g + ".description", true));
    RETURN_IF_ERROR(MaxLength(b.goals(i).owner(), kShortText, g + ".owner"));
    RETURN_IF_ERROR(Date(b.goals(i).due_date(), g + ".due_date", false));
  }
  RETURN_IF_ERROR(Date(b.review_date(), f + ".review_date", false));
  return MaxLength(b.summary(), kLongText, f + ".summary");
}

absl::Status ValidateReleaseNotification(const v1::ReleaseNotification& b, const std::string& f) {
  RETURN_IF_ERROR(Date(b.release_date(), f + ".release_date", true));
  RETURN_IF_ERROR(MaxLength(b.release_type(), kShortText, f + ".release_type"));
  RETURN_IF_ERROR(
      Text(b.releasing_establishment(), f + ".releasing_establishment", true, kShortText));
  if (!b.release_area().empty()) {
    RETURN_IF_ERROR(ValidateHomeArea(b.release_area(), f + ".release_area", true).status());
  }
  RETURN_IF_ERROR(MaxLength(b.notes(), kLongText, f + ".notes"));
  return MaxLength(b.victim_licence_conditions(), kLongText, f + ".victim_licence_conditions");
}

absl::Status ValidatePrescription(const v1::HealthSummary::Prescription& p,
                                  const std::string& f) {
  RETURN_IF_ERROR(Text(p.medicine(), f + ".medicine", true, kShortText));
  RETURN_IF_ERROR(MaxLength(p.dose(), kShortText, f + ".dose"));
  RETURN_IF_ERROR(MaxLength(p.frequency(), kShortText, f + ".frequency"));
  return MaxLength(p.prescriber(), kShortText, f + ".prescriber");
}

absl::Status ValidateHealthSummary(const v1::HealthSummary& b, const std::string& f) {
  RETURN_IF_ERROR(MaxCount(b.conditions_size(), 100, f + ".conditions"));
  for (int i = 0; i < b.conditions_size(); ++i) {
    std::string c = absl::StrCat(f, ".conditions[", i, "]");
    RETURN_IF_ERROR(Text(b.conditions(i).name(), c + ".name", true, kShortText));
    RETURN_IF_ERROR(Date(b.conditions(i).since(), c + ".since", false));
  }
  RETURN_IF_ERROR(MaxCount(b.prescriptions_size(), 100, f + ".prescriptions"));
  for (int i = 0; i < b.prescriptions_size(); ++i) {
    RETURN_IF_ERROR(
        ValidatePrescription(b.prescriptions(i), absl::StrCat(f, ".prescriptions[", i, "]")));
  }
  RETURN_IF_ERROR(MaxLength(b.gp().practice_name(), kShortText, f + ".gp.practice_name"));
  RETURN_IF_ERROR(MaxLength(b.gp().ods_code(), 16, f + ".gp.ods_code"));
  return MaxLength(b.notes(), kLongText, f + ".notes");
}

absl::Status ValidateAccommodationNeed(const v1::AccommodationNeed& b, const std::string& f) {
  RETURN_IF_ERROR(Text(b.current_status(), f + ".current_status", true, kShortText));
  RETURN_IF_ERROR(Date(b.need_by_date(), f + ".need_by_date", false));
  if (!b.local_authority().empty()) {
    RETURN_IF_ERROR(ValidateHomeArea(b.local_authority(), f + ".local_authority", true).status());
  }
  RETURN_IF_ERROR(MaxLength(b.notes(), kLongText, f + ".notes"));
  return MaxLength(b.exclusion_zones(), kLongText, f + ".exclusion_zones");
}

absl::Status ValidateRiskSummary(const v1::RiskSummary& b, const std::string& f) {
  RETURN_IF_ERROR(EnumValue(b.risk_of_serious_harm(), *v1::RiskSummary::Level_descriptor(),
                            f + ".risk_of_serious_harm", true));
  if (b.mappa_category() < 0 || b.mappa_category() > 3) {
    return Invalid(f + ".mappa_category", "expected 1, 2 or 3 (0 when not a MAPPA case)");
  }
  if (b.mappa_level() < 0 || b.mappa_level() > 3) {
    return Invalid(f + ".mappa_level", "expected 1, 2 or 3 (0 when not a MAPPA case)");
  }
  if ((b.mappa_category() == 0) != (b.mappa_level() == 0)) {
    return Invalid(f + ".mappa_level",
                   "MAPPA category and level are given together or not at all");
  }
  RETURN_IF_ERROR(MaxLength(b.visor_reference(), 64, f + ".visor_reference"));
  RETURN_IF_ERROR(MaxLength(b.summary(), kLongText, f + ".summary"));
  return MaxLength(b.victim_details(), kLongText, f + ".victim_details");
}

absl::Status ValidateBody(const v1::RecordBody& body) {
  using v1::RecordBody;
  const std::string f = absl::StrCat("body.", RecordTypeOf(body));
  switch (body.body_case()) {
    case RecordBody::kDrugInterventionsRecord:
      return ValidateDrugInterventionsRecord(body.drug_interventions_record(), f);
    case RecordBody::kCarePlan:
      return ValidateCarePlan(body.care_plan(), f);
    case RecordBody::kReleaseNotification:
      return ValidateReleaseNotification(body.release_notification(), f);
    case RecordBody::kHealthSummary:
      return ValidateHealthSummary(body.health_summary(), f);
    case RecordBody::kAccommodationNeed:
      return ValidateAccommodationNeed(body.accommodation_need(), f);
    case RecordBody::kRiskSummary:
      return ValidateRiskSummary(body.risk_summary(), f);
    case RecordBody::BODY_NOT_SET:
      break;
  }
  return Required("body");
}

// The data class must be declared by the policy and allowed for the record type.
absl::Status ValidateDataClass(const std::string& data_class, const std::string& record_type,
                               const policy::Policy& policy, absl::string_view prefix) {
  const std::string field = absl::StrCat(prefix, "data_class");
  if (data_class.empty()) return Required(field);
  RETURN_IF_ERROR(MaxLength(data_class, validation::kMaxNameLength, field));
  if (!policy.HasDataClass(data_class)) {
    return Invalid(field, absl::StrCat("unknown data class '", data_class, "' (expected one of: ",
                                       absl::StrJoin(policy.data_classes(), ", "), ")"));
  }
  const std::vector<std::string>* allowed = records::DataClassesFor(record_type);
  if (allowed == nullptr ||
      std::find(allowed->begin(), allowed->end(), data_class) == allowed->end()) {
    return Invalid(field,
                   absl::StrCat("a ", record_type, " may not be filed as '", data_class,
                                "' (allowed: ", allowed ? absl::StrJoin(*allowed, ", ") : "", ")"));
  }
  return absl::OkStatus();
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
  RETURN_IF_ERROR(ValidateDataClass(data_class, p.record_type, policy, prefix));
  p.data_class = data_class;
  RETURN_IF_ERROR(MaxCount(labels.size(), 16, absl::StrCat(prefix, "labels")));
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    std::string field = absl::StrCat(prefix, "labels[", i, "]");
    RETURN_IF_ERROR(MaxLength(label, validation::kMaxNameLength, field));
    if (!policy.HasLabel(label)) {
      return Invalid(field, absl::StrCat("unknown label '", label, "' (expected one of: ",
                                         absl::StrJoin(policy.labels(), ", "), ")"));
    }
    if (!seen.insert(label).second) return Invalid(field, "given twice");
    p.labels.push_back(label);
  }
  if (!body.SerializeToString(&p.body)) {
    return Invalid(absl::StrCat(prefix, "body"), "cannot be serialized");
  }
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

absl::Status ValidateGetRecord(const v1::GetRecordRequest& req) {
  RETURN_IF_ERROR(ValidateRecordId(req.record_id(), "record_id"));
  if (req.version() < 0) return Invalid("version", "must be 0 (latest) or a version number");
  return ValidateBreakGlassReason(req.break_glass_reason());
}

absl::Status ValidateListRecords(const v1::ListRecordsRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  return ValidateBreakGlassReason(req.break_glass_reason());
}

absl::StatusOr<RecordRef> ValidateRecordReference(const v1::RecordReference& ref,
                                                  absl::string_view field) {
  RETURN_IF_ERROR(ValidateRecordId(ref.record_id(), absl::StrCat(field, ".record_id")));
  if (ref.version() < 0) {
    return Invalid(absl::StrCat(field, ".version"), "must be 0 (latest) or a version number");
  }
  return RecordRef{ref.record_id(), ref.version()};
}

absl::Status ValidateErasureReason(const std::string& reason) {
  const size_t length = absl::StripAsciiWhitespace(reason).size();
  if (length < 10 || reason.size() > 1000) {
    return Invalid("reason", "required: say why, with the request's reference (10 to 1,000 "
                             "characters)");
  }
  return absl::OkStatus();
}

absl::Status ValidateEraseRecord(const v1::EraseRecordRequest& req) {
  RETURN_IF_ERROR(ValidateRecordId(req.record_id(), "record_id"));
  return ValidateErasureReason(req.reason());
}

absl::Status ValidateEraseSubject(const v1::EraseSubjectRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  return ValidateErasureReason(req.reason());
}

absl::StatusOr<ErasureListing> ValidateListErasures(const v1::ListErasuresRequest& req) {
  if (!req.has_from_time()) return Invalid("from_time", "required");
  if (!req.has_until_time()) return Invalid("until_time", "required");
  ErasureListing out;
  ASSIGN_OR_RETURN(out.from, validation::TimestampField(req.from_time(), "from_time"));
  ASSIGN_OR_RETURN(out.until, validation::TimestampField(req.until_time(), "until_time"));
  if (out.until <= out.from) return Invalid("until_time", "must be after from_time");
  ASSIGN_OR_RETURN(out.limit, validation::ValidatePageSize(req.page()));
  ASSIGN_OR_RETURN(out.after_id, validation::ValidateSeqPageToken(req.page()));
  return out;
}

}  // namespace throughcare::server
