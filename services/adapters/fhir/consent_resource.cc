#include "services/adapters/fhir/consent_resource.h"

#include <string>

#include "services/adapters/fhir/systems.h"
#include "services/adapters/fhir/values.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

ordered_json Concept(absl::string_view system, absl::string_view code) {
  return ordered_json{{"coding", ordered_json::array({MakeCoding(system, code)})}};
}

ordered_json Recipient(absl::string_view system, const std::string& value) {
  return ordered_json{
      {"role", Concept(kParticipationTypeSystem, "IRCP")},
      {"reference", {{"identifier", {{"system", std::string(system)}, {"value", value}}}}}};
}

ordered_json Provision(const v1::Consent& consent) {
  ordered_json provision{{"type", "permit"}};
  ordered_json period = ordered_json::object();
  if (consent.has_valid_from()) period["start"] = FhirInstant(consent.valid_from());
  if (consent.has_valid_until()) period["end"] = FhirInstant(consent.valid_until());
  if (!period.empty()) provision["period"] = std::move(period);
  ordered_json actors = ordered_json::array();
  for (const std::string& agency : consent.recipient_agencies()) {
    actors.push_back(Recipient(kAgencySystem, agency));
  }
  for (const std::string& kind : consent.recipient_kinds()) {
    actors.push_back(Recipient(kAgencyKindSystem, kind));
  }
  if (!actors.empty()) provision["actor"] = std::move(actors);
  ordered_json purposes = ordered_json::array();
  for (const std::string& purpose : consent.purposes()) purposes.push_back(PurposeCoding(purpose));
  if (!purposes.empty()) provision["purpose"] = std::move(purposes);
  ordered_json classes = ordered_json::array();
  for (const std::string& data_class : consent.data_classes()) {
    classes.push_back(MakeCoding(kDataClassSystem, data_class));
  }
  if (!classes.empty()) provision["class"] = std::move(classes);
  return provision;
}

void AddEvidence(const v1::Consent& consent, ordered_json& out) {
  switch (consent.evidence()) {
    case v1::CONSENT_EVIDENCE_SIGNED_FORM:
      out["sourceAttachment"] = {{"title", consent.evidence_reference()}};
      break;
    case v1::CONSENT_EVIDENCE_VERBAL_WITNESSED:
      out["verification"] = ordered_json::array(
          {{{"verified", true}, {"verifiedWith", {{"display", consent.evidence_detail()}}}}});
      break;
    case v1::CONSENT_EVIDENCE_REPRESENTATIVE:
      out["performer"] = ordered_json::array({{{"display", consent.evidence_detail()}}});
      break;
    default:
      break;
  }
}

}  // namespace

ordered_json ConsentResource(const v1::Consent& consent, absl::string_view patient_reference) {
  ordered_json out{{"resourceType", "Consent"}};
  if (!consent.consent_id().empty()) out["id"] = FhirId(consent.consent_id());
  if (consent.version() > 0) out["meta"] = {{"versionId", std::to_string(consent.version())}};
  bool ended = consent.has_withdrawn_at() || consent.state() == "WITHDRAWN" ||
               consent.state() == "EXPIRED";
  out["status"] = ended ? "inactive" : "active";
  out["scope"] = Concept(kConsentScopeSystem, "patient-privacy");
  out["category"] = ordered_json::array({Concept(kLoincSystem, kLoincPatientConsent)});
  out["patient"] = {{"reference", std::string(patient_reference)}};
  if (consent.has_recorded_at()) out["dateTime"] = FhirInstant(consent.recorded_at());
  AddEvidence(consent, out);
  out["policyRule"] = Concept(kActCodeSystem, "OPTIN");
  out["provision"] = Provision(consent);
  return out;
}

}  // namespace throughcare::adapters::fhir
