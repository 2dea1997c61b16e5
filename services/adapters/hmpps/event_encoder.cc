#include "services/adapters/hmpps/event_encoder.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"
#include "services/adapters/hmpps/occurred_at.h"

namespace throughcare::adapters::hmpps {
namespace {

using nlohmann::ordered_json;

struct KindName {
  v1::MessageKind kind;
  const char* event_type;
  const char* description;
};
constexpr KindName kKinds[] = {
    {v1::MESSAGE_KIND_RECORDS, "throughcare.delivery.records", "Records sent to your agency"},
    {v1::MESSAGE_KIND_REPORT, "throughcare.delivery.report",
     "A delivery your agency sent was withheld, expired or dead-lettered"},
    {v1::MESSAGE_KIND_WITHDRAWAL_NOTICE, "throughcare.delivery.withdrawal-notice",
     "A consent your agency received data under was withdrawn"},
    {v1::MESSAGE_KIND_REFERRAL_UPDATE, "throughcare.delivery.referral-update",
     "The other side of a referral moved it"},
    {v1::MESSAGE_KIND_ESCALATION, "throughcare.delivery.escalation",
     "A referral deadline passed unmet"},
};

// The identifier type names of personReference (NOMS and CRN as HMPPS writes them).
const char* IdentifierType(v1::IdentifierKind kind) {
  switch (kind) {
    case v1::IDENTIFIER_KIND_PNC: return "PNC";
    case v1::IDENTIFIER_KIND_NOMS: return "NOMS";
    case v1::IDENTIFIER_KIND_CRN: return "CRN";
    case v1::IDENTIFIER_KIND_NHS_NUMBER: return "NHS_NUMBER";
    case v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF: return "LA_REFERENCE";
    default: return nullptr;
  }
}

ordered_json PersonReference(const v1::Subject& person) {
  ordered_json identifiers = ordered_json::array();
  for (const v1::Identifier& identifier : person.identifiers()) {
    const char* type = IdentifierType(identifier.kind());
    if (type == nullptr) continue;
    identifiers.push_back({{"type", type}, {"value", identifier.value()}});
  }
  return {{"identifiers", std::move(identifiers)}};
}

// The delivery as the proto's JSON mapping, without what means nothing outside the broker: the
// lease (a pushed delivery is acknowledged by the receiver's HTTP answer) and subject ids.
absl::StatusOr<ordered_json> AdditionalInformation(const v1::Delivery& delivery) {
  v1::Delivery outside = delivery;
  outside.clear_lease_id();
  outside.clear_lease_expires_at();
  outside.clear_subject_id();
  for (v1::Record& record : *outside.mutable_records()) record.clear_subject_id();
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(outside, &json);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot print the delivery as JSON: ",
        absl::string_view(status.message().data(), status.message().size())));
  }
  return ordered_json::parse(json);
}

absl::Time SentAt(const v1::Delivery& delivery) {
  return absl::FromUnixSeconds(delivery.sent_at().seconds());
}

}  // namespace

absl::StatusOr<std::string> EncodeDelivery(const v1::Delivery& delivery,
                                           const v1::Subject& person) {
  const KindName* kind = nullptr;
  for (const KindName& candidate : kKinds) {
    if (candidate.kind == delivery.kind()) kind = &candidate;
  }
  if (kind == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("hmpps-events cannot carry a delivery of kind ",
                     v1::MessageKind_Name(delivery.kind()).empty()
                         ? absl::StrCat(static_cast<int>(delivery.kind()))
                         : v1::MessageKind_Name(delivery.kind())));
  }
  auto additional = AdditionalInformation(delivery);
  if (!additional.ok()) return additional.status();
  ordered_json event = {
      {"id", delivery.message_id()},
      {"eventType", kind->event_type},
      {"version", 1},
      {"occurredAt", FormatOccurredAt(SentAt(delivery))},
      {"description", kind->description},
      {"personReference", PersonReference(person)},
      {"additionalInformation", *std::move(additional)},
  };
  // Never throws: bytes that are not UTF-8 (protobuf keeps them out of parsed messages) would be
  // replaced.
  return event.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace throughcare::adapters::hmpps
