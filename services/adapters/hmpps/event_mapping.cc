// What each HMPPS-style event type maps to (the table in hmpps_events.h and the README).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/adapters/hmpps/event_decoder.h"
#include "services/adapters/hmpps/occurred_at.h"
#include "services/adapters/hmpps/strict_json.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::adapters::hmpps {
namespace {

using nlohmann::json;

constexpr absl::string_view kReleased = "prison-offender-events.prisoner.released";
constexpr absl::string_view kReceived = "prison-offender-events.prisoner.received";
constexpr absl::string_view kEngagementCreated = "probation-case.engagement.created";

// Movement reasons, and whether each is the change the broker records. A release for a court
// appearance, a temporary absence or a transfer is not a release into the community, and a
// return from one does not start custody that has not ended.
struct Reason {
  absl::string_view name;
  bool maps;
};
constexpr Reason kReleaseReasons[] = {
    {"RELEASED", true},        {"RELEASED_TO_HOSPITAL", true}, {"TEMPORARY_ABSENCE_RELEASE", false},
    {"SENT_TO_COURT", false},  {"TRANSFERRED", false},         {"UNKNOWN", false},
};
constexpr Reason kReceiveReasons[] = {
    {"ADMISSION", true},    {"NEW_ADMISSION", true},       {"READMISSION", true},
    {"TRANSFERRED", true},  {"RETURN_FROM_COURT", false},  {"TEMPORARY_ABSENCE_RETURN", false},
};

template <size_t N>
const Reason* FindReason(const Reason (&reasons)[N], absl::string_view name) {
  for (const Reason& reason : reasons) {
    if (reason.name == name) return &reason;
  }
  return nullptr;
}

template <size_t N>
std::string ReasonList(const Reason (&reasons)[N]) {
  return absl::StrJoin(reasons, ", ", [](std::string* out, const Reason& r) {
    absl::StrAppend(out, r.name);
  });
}

// additionalInformation of a prisoner movement, checked against the envelope.
struct Movement {
  const Reason* reason = nullptr;
  std::string prison_id;
};

bool IsPrisonId(absl::string_view id) {
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return !id.empty() && id.size() <= 6;
}

template <size_t N>
Movement ReadMovement(const Envelope& envelope, const Reason (&reasons)[N],
                      std::vector<DecodeError>& errors) {
  Movement movement;
  if (envelope.person_read && !envelope.noms.has_value()) {
    errors.push_back({"/personReference/identifiers",
                      "a prisoner event names the person by a NOMS identifier"});
  }
  if (envelope.additional_information == nullptr) {
    errors.push_back({"/additionalInformation", "required: an object"});
    return movement;
  }
  ObjectReader info(*envelope.additional_information, "/additionalInformation", errors);
  const std::string* noms = info.String("nomsNumber", /*required=*/true, 16);
  const std::string* reason = info.String("reason", /*required=*/true, 64);
  const std::string* prison = info.String("prisonId", /*required=*/true, 16);
  for (absl::string_view key :
       {"details", "currentLocation", "currentPrisonStatus", "nomisMovementReasonCode"}) {
    info.String(key, /*required=*/false, 200);
  }
  info.Finish();
  if (noms != nullptr && envelope.noms.has_value()) {
    auto normal = subjects::NormalizeIdentifier(IdentifierKind::kNoms, *noms, "NOMS number");
    if (!normal.ok()) {
      info.Error("nomsNumber", std::string(normal.status().message()));
    } else if (*normal != envelope.noms->value()) {
      info.Error("nomsNumber", "differs from the NOMS identifier in personReference");
    }
  }
  if (reason != nullptr) {
    movement.reason = FindReason(reasons, *reason);
    if (movement.reason == nullptr) {
      info.Error("reason", absl::StrCat("unknown reason (expected one of ", ReasonList(reasons),
                                        ")"));
    }
  }
  if (prison != nullptr) {
    if (IsPrisonId(*prison)) {
      movement.prison_id = *prison;
    } else {
      info.Error("prisonId", "must be a prison code of 1-6 of [A-Z0-9], e.g. \"MDI\"");
    }
  }
  return movement;
}

Operation Make(const Envelope& envelope, const v1::Identifier& person, Request request) {
  Operation operation{"", person, std::move(request), absl::StrCat("hmpps:", envelope.id)};
  return operation;
}

void MapReleased(const Envelope& envelope, std::vector<DecodeError>& errors,
                 std::vector<Operation>& operations) {
  const Movement movement = ReadMovement(envelope, kReleaseReasons, errors);
  if (movement.reason == nullptr || !movement.reason->maps || !envelope.noms) return;
  auto date = LondonDate(envelope.occurred_at);
  if (!date.ok()) {
    errors.push_back({"/occurredAt", std::string(date.status().message())});
    return;
  }
  v1::RecordReleaseRequest release;
  release.set_release_date(*date);
  operations.push_back(Make(envelope, *envelope.noms, std::move(release)));
}

void MapReceived(const Envelope& envelope, std::vector<DecodeError>& errors,
                 std::vector<Operation>& operations) {
  const Movement movement = ReadMovement(envelope, kReceiveReasons, errors);
  if (movement.reason == nullptr || !movement.reason->maps || !envelope.noms) return;
  v1::StartRelationshipRequest start;
  start.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  start.set_note(absl::StrCat("prisoner received (", movement.reason->name, ") at ",
                              movement.prison_id));
  operations.push_back(Make(envelope, *envelope.noms, std::move(start)));
}

void MapEngagementCreated(const Envelope& envelope, std::vector<DecodeError>& errors,
                          std::vector<Operation>& operations) {
  if (envelope.person_read && !envelope.crn.has_value()) {
    errors.push_back({"/personReference/identifiers",
                      "a probation case event names the person by a CRN identifier"});
  }
  if (envelope.additional_information != nullptr) {
    // This event carries nothing there; anything given is unknown.
    ObjectReader(*envelope.additional_information, "/additionalInformation", errors).Finish();
  }
  if (!envelope.crn) return;
  v1::StartRelationshipRequest start;
  start.set_kind(v1::RELATIONSHIP_KIND_ALLOCATION);
  start.set_note("probation case engagement created");
  operations.push_back(Make(envelope, *envelope.crn, std::move(start)));
}

struct EventType {
  absl::string_view name;
  void (*map)(const Envelope&, std::vector<DecodeError>&, std::vector<Operation>&);
};
constexpr EventType kEventTypes[] = {
    {kReleased, MapReleased},
    {kReceived, MapReceived},
    {kEngagementCreated, MapEngagementCreated},
};

const EventType* FindEventType(absl::string_view name) {
  for (const EventType& type : kEventTypes) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

}  // namespace

bool IsMappedEventType(absl::string_view event_type) {
  return FindEventType(event_type) != nullptr;
}

void MapEvent(const Envelope& envelope, std::vector<DecodeError>& errors,
              std::vector<Operation>& operations) {
  const EventType* type = FindEventType(envelope.event_type);
  if (type != nullptr) type->map(envelope, errors, operations);
}

}  // namespace throughcare::adapters::hmpps
