// The envelope of an HMPPS-style event: every member checked, then the event type's own mapping.
#include "services/adapters/hmpps/event_decoder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/adapters/hmpps/occurred_at.h"
#include "services/adapters/hmpps/strict_json.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::adapters::hmpps {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 16;
constexpr size_t kMaxIdentifiers = 10;
// The event id becomes the idempotency key "hmpps:<id>", which the broker takes up to 128
// characters of [A-Za-z0-9._:-].
constexpr size_t kMaxIdLength = 100;

bool IsIdCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == ':' || c == '-';
}

void ReadId(ObjectReader& root, Envelope& envelope) {
  const std::string* id = root.String("id", /*required=*/true, kMaxIdLength);
  if (id == nullptr) return;
  for (char c : *id) {
    if (!IsIdCharacter(c)) {
      root.Error("id", "must be 1-100 of [A-Za-z0-9._:-] (e.g. a UUID)");
      return;
    }
  }
  envelope.id = *id;
}

void ReadOccurredAt(ObjectReader& root, Envelope& envelope) {
  const std::string* text = root.String("occurredAt", /*required=*/true, 64);
  if (text == nullptr) return;
  auto instant = ParseOccurredAt(*text);
  if (!instant.ok()) {
    root.Error("occurredAt", std::string(instant.status().message()));
    return;
  }
  envelope.occurred_at = *instant;
}

// One {type, value} of personReference.identifiers.
void ReadIdentifier(const json& item, const std::string& pointer,
                    std::vector<DecodeError>& errors, Envelope& envelope) {
  if (!item.is_object()) {
    errors.push_back({pointer, "must be an object with type and value"});
    return;
  }
  ObjectReader reader(item, pointer, errors);
  const std::string* type = reader.String("type", /*required=*/true, 16);
  const std::string* value = reader.String("value", /*required=*/true, 64);
  reader.Finish();
  if (type == nullptr || value == nullptr) return;
  const bool noms = *type == "NOMS";
  if (!noms && *type != "CRN") {
    reader.Error("type", "unknown identifier type (expected NOMS or CRN)");
    return;
  }
  std::optional<v1::Identifier>& slot = noms ? envelope.noms : envelope.crn;
  if (slot.has_value()) {
    reader.Error("type", absl::StrCat("a second ", *type, " identifier"));
    return;
  }
  auto normal = subjects::NormalizeIdentifier(
      noms ? IdentifierKind::kNoms : IdentifierKind::kCrn, *value,
      noms ? "NOMS number" : "CRN");
  if (!normal.ok()) {
    reader.Error("value", std::string(normal.status().message()));
    return;
  }
  slot.emplace();
  slot->set_kind(noms ? v1::IDENTIFIER_KIND_NOMS : v1::IDENTIFIER_KIND_CRN);
  slot->set_value(*std::move(normal));
}

void ReadPersonReference(ObjectReader& root, std::vector<DecodeError>& errors,
                         Envelope& envelope) {
  const json* person = root.Object("personReference", /*required=*/true);
  if (person == nullptr) return;
  ObjectReader reader(*person, root.PointerTo("personReference"), errors);
  const json* identifiers = reader.Array("identifiers", /*required=*/true);
  reader.Finish();
  if (identifiers == nullptr) return;
  if (identifiers->empty() || identifiers->size() > kMaxIdentifiers) {
    reader.Error("identifiers", "must hold 1-10 identifiers");
    return;
  }
  const std::string pointer = reader.PointerTo("identifiers");
  for (size_t i = 0; i < identifiers->size(); ++i) {
    ReadIdentifier((*identifiers)[i], JsonPointer(pointer, i), errors, envelope);
  }
}

// Reads every envelope member; returns whether the event type is one this codec maps (errors
// are recorded either way).
bool ReadEnvelope(const json& document, std::vector<DecodeError>& errors, Envelope& envelope) {
  ObjectReader root(document, "", errors);
  ReadId(root, envelope);
  const std::string* type = root.String("eventType", /*required=*/true, 128);
  bool mapped = false;
  if (type != nullptr) {
    mapped = IsMappedEventType(*type);
    if (mapped) {
      envelope.event_type = *type;
    } else {
      root.Error("eventType", "unknown event type (see the README, \"HMPPS-style events\")");
    }
  }
  const std::optional<int64_t> version = root.Integer("version", /*required=*/true);
  if (version.has_value() && *version != 1) root.Error("version", "only version 1 is known");
  ReadOccurredAt(root, envelope);
  root.String("description", /*required=*/false, 1000);
  root.String("detailUrl", /*required=*/false, 2000);
  const size_t errors_before = errors.size();
  ReadPersonReference(root, errors, envelope);
  envelope.person_read = errors.size() == errors_before;
  envelope.additional_information = root.Object("additionalInformation", /*required=*/false);
  root.Finish();
  return mapped;
}

}  // namespace

Decoded DecodeEvent(absl::string_view native) {
  Decoded decoded;
  if (native.size() > kMaxEventBytes) {
    decoded.errors.push_back(
        {"", absl::StrCat("an event is at most ", kMaxEventBytes, " bytes")});
    return decoded;
  }
  std::optional<json> document = ParseStrict(native, kMaxDepth, decoded.errors);
  if (!document.has_value()) return decoded;
  if (!document->is_object()) {
    decoded.errors.push_back({"", "an event is a JSON object"});
    return decoded;
  }
  Envelope envelope;
  const bool mapped = ReadEnvelope(*document, decoded.errors, envelope);
  // The mapping reads additionalInformation by the event type's rules, so its errors are worth
  // giving even when the envelope has others.
  if (mapped) MapEvent(envelope, decoded.errors, decoded.operations);
  if (!decoded.errors.empty()) decoded.operations.clear();
  return decoded;
}

}  // namespace throughcare::adapters::hmpps
