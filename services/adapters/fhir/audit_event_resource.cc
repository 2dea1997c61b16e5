#include "services/adapters/fhir/audit_event_resource.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/systems.h"
#include "services/adapters/fhir/values.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

// AuditEvent.action from the policy action's verb ("record.read" -> R).
const char* ActionCode(const std::string& action) {
  if (absl::EndsWith(action, ".read") || absl::EndsWith(action, ".list") ||
      absl::EndsWith(action, ".query") || absl::EndsWith(action, ".export")) {
    return "R";
  }
  if (absl::EndsWith(action, ".register")) return "C";
  if (absl::EndsWith(action, ".write") || absl::EndsWith(action, ".update")) return "U";
  if (absl::EndsWith(action, ".erase")) return "D";
  return "E";
}

// AuditEvent.outcome: 0 success, 4 minor failure (the caller's request refused), 8 serious
// failure (the broker could not do it).
const char* OutcomeCode(const std::string& outcome) {
  if (outcome == "OK") return "0";
  if (outcome == "INTERNAL" || outcome == "UNAVAILABLE" || outcome == "DATA_LOSS" ||
      outcome == "UNKNOWN" || outcome == "DEADLINE_EXCEEDED") {
    return "8";
  }
  return "4";
}

const char* DecisionName(v1::Decision decision) {
  switch (decision) {
    case v1::DECISION_ALLOW:
      return "allow";
    case v1::DECISION_DENY:
      return "deny";
    default:
      return "none";
  }
}

ordered_json Identified(absl::string_view system, const std::string& value) {
  return ordered_json{{"identifier", {{"system", std::string(system)}, {"value", value}}}};
}

ordered_json Concept(absl::string_view system, absl::string_view code) {
  return ordered_json{{"coding", ordered_json::array({MakeCoding(system, code)})}};
}

ordered_json Agents(const v1::AuditEntry& entry) {
  ordered_json user{{"who", Identified(kUserSystem, entry.user_id())}, {"requestor", true}};
  if (!entry.role().empty()) {
    user["role"] = ordered_json::array({Concept(kRoleSystem, entry.role())});
  }
  user["who"]["display"] = absl::StrCat(entry.user_id(), " of ", entry.agency_id());
  ordered_json agents = ordered_json::array({std::move(user)});
  if (!entry.system_id().empty()) {
    agents.push_back({{"who", Identified(kSystemIdSystem, entry.system_id())},
                      {"requestor", false}});
    agents.back()["who"]["display"] = absl::StrCat("system of ", entry.agency_id());
  }
  return agents;
}

ordered_json Detail(const char* type, const std::string& value) {
  return ordered_json{{"type", type}, {"valueString", value}};
}

ordered_json DecisionEntity(const v1::AuditEntry& entry) {
  ordered_json details = ordered_json::array();
  details.push_back(Detail("decision", DecisionName(entry.decision())));
  if (!entry.reason().empty()) details.push_back(Detail("rule", entry.reason()));
  if (!entry.basis().empty()) details.push_back(Detail("basis", entry.basis()));
  if (!entry.policy_version().empty()) {
    details.push_back(Detail("policy_version", entry.policy_version()));
  }
  if (!entry.break_glass_reason().empty()) {
    details.push_back(Detail("break_glass_reason", entry.break_glass_reason()));
  }
  if (!entry.request_id().empty()) details.push_back(Detail("request_id", entry.request_id()));
  details.push_back(Detail("seq", std::to_string(entry.seq())));
  return ordered_json{{"what", {{"display", "policy decision"}}},
                      {"type", MakeCoding(kAuditEntityTypeSystem, "4")},
                      {"detail", std::move(details)}};
}

ordered_json Entities(const v1::AuditEntry& entry) {
  ordered_json entities = ordered_json::array();
  if (!entry.subject_id().empty()) {
    entities.push_back({{"what", Identified(kSubjectIdSystem, entry.subject_id())},
                        {"type", MakeCoding(kAuditEntityTypeSystem, "1")},
                        {"role", MakeCoding(kObjectRoleSystem, "1")}});
  }
  if (!entry.record_id().empty()) {
    ordered_json record{{"what", Identified(kRecordIdSystem, entry.record_id())},
                        {"type", MakeCoding(kAuditEntityTypeSystem, "2")}};
    if (entry.record_version() > 0) {
      record["detail"] = ordered_json::array(
          {Detail("record_version", std::to_string(entry.record_version()))});
    }
    entities.push_back(std::move(record));
  }
  entities.push_back(DecisionEntity(entry));
  return entities;
}

}  // namespace

ordered_json AuditEventResource(const v1::AuditEntry& entry) {
  ordered_json out{{"resourceType", "AuditEvent"}};
  if (entry.seq() > 0) out["id"] = std::to_string(entry.seq());
  out["type"] = MakeCoding(kAuditEventTypeSystem, "rest");
  if (!entry.action().empty()) {
    out["subtype"] = ordered_json::array({MakeCoding(kActionSystem, entry.action())});
  }
  out["action"] = ActionCode(entry.action());
  out["recorded"] = FhirInstant(entry.time());
  std::string outcome = entry.outcome().empty() ? "UNKNOWN" : entry.outcome();
  out["outcome"] = OutcomeCode(outcome);
  out["outcomeDesc"] =
      entry.reason().empty() ? outcome : absl::StrCat(outcome, ": ", entry.reason());
  if (!entry.purpose().empty()) {
    out["purposeOfEvent"] = ordered_json::array(
        {{{"coding", ordered_json::array({PurposeCoding(entry.purpose())})}}});
  }
  out["agent"] = Agents(entry);
  out["source"] = {{"observer", Identified(kAgencySystem, "throughcare")},
                   {"type", ordered_json::array({MakeCoding(kAuditSourceTypeSystem, "4")})}};
  out["entity"] = Entities(entry);
  return out;
}

}  // namespace throughcare::adapters::fhir
