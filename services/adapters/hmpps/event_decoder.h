// Decoding of one HMPPS-style domain event (JSON) into the broker's operation. The envelope, the
// event types and what each maps to are described in hmpps_events.h and the README.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_HMPPS_EVENT_DECODER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_HMPPS_EVENT_DECODER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::hmpps {

// An event is one JSON document of at most this many bytes.
inline constexpr size_t kMaxEventBytes = 64 * 1024;

// The envelope of one event, checked. Points into the parsed document.
struct Envelope {
  std::string id;
  std::string event_type;
  absl::Time occurred_at;
  // From personReference.identifiers, normalised; nullopt when not given.
  std::optional<v1::Identifier> noms;
  std::optional<v1::Identifier> crn;
  // Whether personReference was read without errors (else a missing identifier is not reported
  // twice).
  bool person_read = false;
  // nullptr when absent.
  const nlohmann::json* additional_information = nullptr;
};

// Decodes `native`: either exactly one operation, or none and errors, or (for an event that
// changes nothing in the broker, such as a prisoner.released for a court appearance) neither.
Decoded DecodeEvent(absl::string_view native);

// Whether `event_type` is one this codec maps (event_mapping.cc).
bool IsMappedEventType(absl::string_view event_type);

// Appends the operation `envelope` maps to, or errors naming what in additionalInformation or
// personReference is wrong for its type (event_mapping.cc). The type must be mapped.
void MapEvent(const Envelope& envelope, std::vector<DecodeError>& errors,
              std::vector<Operation>& operations);

}  // namespace throughcare::adapters::hmpps

#endif  // THROUGHCARE_SERVICES_ADAPTERS_HMPPS_EVENT_DECODER_H_
