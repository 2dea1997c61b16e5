#include "services/adapters/fhir/bundle_encoder.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/patient_resource.h"
#include "services/adapters/fhir/record_resources.h"
#include "services/adapters/fhir/systems.h"
#include "services/adapters/fhir/values.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

// Appends one record's resources; sets `gp_url` when the record names a GP.
absl::Status AddRecord(const v1::Record& record, absl::string_view patient_url,
                       absl::string_view seed, std::vector<EncodedEntry>& entries,
                       std::string& gp_url) {
  switch (record.body().body_case()) {
    case v1::RecordBody::kHealthSummary:
      for (EncodedEntry& entry :
           HealthSummaryEntries(record.body().health_summary(), patient_url, seed, gp_url)) {
        entries.push_back(std::move(entry));
      }
      return absl::OkStatus();
    case v1::RecordBody::kCarePlan:
      entries.push_back({StableUuidUrn(absl::StrCat(seed, "/care_plan")),
                         CarePlanResource(record.body().care_plan(), patient_url)});
      return absl::OkStatus();
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("fhir-r4 cannot carry a record of type ",
                       record.record_type().empty() ? "(none)" : record.record_type(),
                       " (record ", record.record_id(), "): only health_summary and care_plan "
                       "have a FHIR mapping"));
  }
}

}  // namespace

absl::StatusOr<ordered_json> EncodeDelivery(const v1::Delivery& delivery,
                                            const v1::Subject& person) {
  if (delivery.kind() != v1::MESSAGE_KIND_RECORDS) {
    return absl::FailedPreconditionError(
        absl::StrCat("fhir-r4 cannot carry a delivery of kind ",
                     v1::MessageKind_Name(delivery.kind()), ": only records have a FHIR mapping"));
  }
  const std::string seed = absl::StrCat(delivery.message_id(), "/", delivery.subject_id());
  const std::string patient_url = StableUuidUrn(absl::StrCat(seed, "/patient"));
  std::vector<EncodedEntry> entries;
  std::string gp_url;
  for (int i = 0; i < delivery.records_size(); ++i) {
    const v1::Record& record = delivery.records(i);
    absl::Status status = AddRecord(record, patient_url,
                                    absl::StrCat(seed, "/", record.record_id(), "/", i),
                                    entries, gp_url);
    if (!status.ok()) return status;
  }
  ordered_json patient = PatientResource(person);
  if (!gp_url.empty()) {
    patient["generalPractitioner"] = ordered_json::array({{{"reference", gp_url}}});
  }
  ordered_json bundle{{"resourceType", "Bundle"}};
  if (!delivery.purpose().empty()) {
    bundle["meta"] = {{"security", ordered_json::array({PurposeCoding(delivery.purpose())})}};
  }
  bundle["type"] = "collection";
  if (delivery.has_sent_at()) bundle["timestamp"] = FhirInstant(delivery.sent_at());
  ordered_json out_entries = ordered_json::array();
  out_entries.push_back({{"fullUrl", patient_url}, {"resource", std::move(patient)}});
  for (EncodedEntry& entry : entries) {
    out_entries.push_back({{"fullUrl", entry.full_url}, {"resource", std::move(entry.resource)}});
  }
  bundle["entry"] = std::move(out_entries);
  return bundle;
}

}  // namespace throughcare::adapters::fhir
