// CarePlan -> PutRecordRequest with a CarePlan body (data class "drugs", the only class the
// broker allows for care plans).
//
//   description                              summary
//   period.end                               review_date (the plan runs until it is reviewed)
//   activity[].detail.description            goals[].description
//   activity[].detail.performer[0].display   goals[].owner (who is responsible)
//   activity[].detail.scheduledPeriod.end    goals[].due_date
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/decode_context.h"
#include "services/adapters/fhir/json_input.h"

namespace throughcare::adapters::fhir {
namespace {

constexpr Names kIgnored = {"id", "meta", "text", "language", "identifier"};
constexpr size_t kMaxGoals = 50;

// A Period of which only the end is mapped (its start is accepted and left out).
std::optional<std::string> PeriodEnd(const Json& holder, const std::string& where,
                                     absl::string_view key, Reader& reader) {
  const Json* period = reader.Member(holder, where, key, false);
  if (period == nullptr) return std::nullopt;
  std::string at = Pointer(where, key);
  reader.Object(*period, at, "Period", {"end"}, {"start"});
  if (!period->is_object()) return std::nullopt;
  return reader.Date(*period, at, "end", true);
}

void ReadGoal(const Json& activity, const std::string& where, Reader& reader,
              v1::CarePlan& plan) {
  reader.Object(activity, where, "CarePlan.Activity", {"detail"});
  if (!activity.is_object()) return;
  const Json* detail = reader.Member(activity, where, "detail", true);
  if (detail == nullptr) return;
  std::string at = Pointer(where, "detail");
  reader.Object(*detail, at, "CarePlan.Detail",
                {"status", "description", "performer", "scheduledPeriod"});
  if (!detail->is_object()) return;
  // The canonical goal keeps no state: open states are accepted, finished ones refused.
  reader.Code(*detail, at, "status", true,
              {"not-started", "scheduled", "in-progress", "on-hold", "unknown"},
              {"completed", "cancelled", "stopped", "entered-in-error"});
  v1::CarePlan::Goal goal;
  std::optional<std::string> text = reader.String(*detail, at, "description", true, kLongText);
  if (const Json* performers = reader.Array(*detail, at, "performer", false, 1)) {
    std::string performer_at = Pointer(Pointer(at, "performer"), size_t{0});
    if (auto owner = reader.ReferenceDisplay((*performers)[0], performer_at, kShortText)) {
      goal.set_owner(*owner);
    }
  }
  if (auto due = PeriodEnd(*detail, at, "scheduledPeriod", reader)) goal.set_due_date(*due);
  if (!text.has_value()) return;
  goal.set_description(*text);
  *plan.add_goals() = std::move(goal);
}

}  // namespace

void DecodeCarePlan(const Entry& entry, BundleContext& context, std::vector<Operation>& out) {
  Reader& reader = context.reader;
  const Json& resource = *entry.resource;
  const std::string& at = entry.where;
  reader.Object(resource, at, "CarePlan",
                {"resourceType", "status", "intent", "subject", "description", "period",
                 "activity"},
                kIgnored);
  reader.Code(resource, at, "status", true, {"active"},
              {"draft", "on-hold", "revoked", "completed", "entered-in-error", "unknown"});
  reader.Code(resource, at, "intent", true, {"plan"}, {"proposal", "order", "option"});
  context.CheckPatientReference(reader.ReferenceTarget(resource, at, "subject", true),
                                Pointer(Pointer(at, "subject"), "reference"));
  v1::CarePlan plan;
  if (auto summary = reader.String(resource, at, "description", false, kLongText)) {
    plan.set_summary(*summary);
  }
  if (auto review = PeriodEnd(resource, at, "period", reader)) plan.set_review_date(*review);
  if (const Json* activities = reader.Array(resource, at, "activity", true, kMaxGoals)) {
    for (size_t i = 0; i < activities->size(); ++i) {
      ReadGoal((*activities)[i], Pointer(Pointer(at, "activity"), i), reader, plan);
    }
  }
  v1::PutRecordRequest request;
  request.set_purpose(context.purpose);
  request.set_data_class("drugs");
  *request.mutable_body()->mutable_care_plan() = std::move(plan);
  Operation operation;
  operation.source = at;
  operation.person = context.person;
  operation.idempotency_key = entry.full_url;
  operation.request = std::move(request);
  out.push_back(std::move(operation));
}

}  // namespace throughcare::adapters::fhir
