#include "services/adapters/fhir/record_resources.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/systems.h"
#include "services/adapters/fhir/values.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

ordered_json Text(const std::string& text) { return ordered_json{{"text", text}}; }
ordered_json Ref(absl::string_view url) {
  return ordered_json{{"reference", std::string(url)}};
}

ordered_json ConditionResource(const v1::HealthSummary::Condition& condition,
                               absl::string_view patient_url) {
  ordered_json out{{"resourceType", "Condition"}};
  out["clinicalStatus"] = {
      {"coding", ordered_json::array({MakeCoding(kConditionClinicalSystem, "active")})}};
  out["code"] = Text(condition.name());
  out["subject"] = Ref(patient_url);
  if (!condition.since().empty()) out["onsetDateTime"] = condition.since();
  return out;
}

ordered_json MedicationResource(const v1::HealthSummary::Prescription& prescription,
                                absl::string_view patient_url) {
  ordered_json out{{"resourceType", "MedicationStatement"}, {"status", "active"}};
  out["medicationCodeableConcept"] = Text(prescription.medicine());
  out["subject"] = Ref(patient_url);
  if (!prescription.prescriber().empty()) {
    out["informationSource"] = {{"display", prescription.prescriber()}};
  }
  ordered_json dosage = ordered_json::object();
  if (!prescription.dose().empty()) dosage["text"] = prescription.dose();
  if (!prescription.frequency().empty()) {
    dosage["timing"] = {{"code", Text(prescription.frequency())}};
  }
  if (!dosage.empty()) out["dosage"] = ordered_json::array({std::move(dosage)});
  return out;
}

ordered_json OrganizationResource(const v1::HealthSummary::GeneralPractitioner& gp) {
  ordered_json out{{"resourceType", "Organization"}};
  if (!gp.ods_code().empty()) {
    out["identifier"] =
        ordered_json::array({{{"system", kOdsCodeSystem}, {"value", gp.ods_code()}}});
  }
  if (!gp.practice_name().empty()) out["name"] = gp.practice_name();
  return out;
}

ordered_json NotesList(const std::vector<EncodedEntry>& entries, const std::string& notes,
                       absl::string_view patient_url) {
  ordered_json items = ordered_json::array();
  for (const EncodedEntry& entry : entries) items.push_back({{"item", Ref(entry.full_url)}});
  ordered_json list{{"resourceType", "List"}, {"status", "current"}, {"mode", "snapshot"},
                    {"title", "Health summary"}, {"subject", Ref(patient_url)}};
  if (!items.empty()) list["entry"] = std::move(items);
  list["note"] = ordered_json::array({Text(notes)});
  return list;
}

}  // namespace

std::vector<EncodedEntry> HealthSummaryEntries(const v1::HealthSummary& summary,
                                               absl::string_view patient_url,
                                               absl::string_view seed, std::string& gp_url) {
  std::vector<EncodedEntry> entries;
  for (int i = 0; i < summary.conditions_size(); ++i) {
    entries.push_back({StableUuidUrn(absl::StrCat(seed, "/condition/", i)),
                       ConditionResource(summary.conditions(i), patient_url)});
  }
  for (int i = 0; i < summary.prescriptions_size(); ++i) {
    entries.push_back({StableUuidUrn(absl::StrCat(seed, "/prescription/", i)),
                       MedicationResource(summary.prescriptions(i), patient_url)});
  }
  if (summary.has_gp()) {
    gp_url = StableUuidUrn(absl::StrCat(seed, "/gp"));
    entries.push_back({gp_url, OrganizationResource(summary.gp())});
  }
  if (!summary.notes().empty()) {
    ordered_json list = NotesList(entries, summary.notes(), patient_url);
    entries.push_back({StableUuidUrn(absl::StrCat(seed, "/notes")), std::move(list)});
  }
  return entries;
}

ordered_json CarePlanResource(const v1::CarePlan& plan, absl::string_view patient_url) {
  ordered_json out{{"resourceType", "CarePlan"}, {"status", "active"}, {"intent", "plan"}};
  if (!plan.summary().empty()) out["description"] = plan.summary();
  out["subject"] = Ref(patient_url);
  if (!plan.review_date().empty()) out["period"] = {{"end", plan.review_date()}};
  ordered_json activities = ordered_json::array();
  for (const v1::CarePlan::Goal& goal : plan.goals()) {
    // The canonical goal keeps no state: "unknown" says so (decoding accepts the open states).
    ordered_json detail{{"status", "unknown"}};
    if (!goal.owner().empty()) {
      detail["performer"] = ordered_json::array({{{"display", goal.owner()}}});
    }
    if (!goal.due_date().empty()) detail["scheduledPeriod"] = {{"end", goal.due_date()}};
    detail["description"] = goal.description();
    activities.push_back({{"detail", std::move(detail)}});
  }
  if (!activities.empty()) out["activity"] = std::move(activities);
  return out;
}

}  // namespace throughcare::adapters::fhir
