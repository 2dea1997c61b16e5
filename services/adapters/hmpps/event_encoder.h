// Encoding of a delivery as an HMPPS-style event (the envelope of hmpps_events.h).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_HMPPS_EVENT_ENCODER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_HMPPS_EVENT_ENCODER_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::hmpps {

// The event for `delivery` about `person`: FailedPrecondition for a delivery kind it does not
// know (MESSAGE_KIND_UNSPECIFIED or newer), Internal if protobuf cannot print it.
absl::StatusOr<std::string> EncodeDelivery(const v1::Delivery& delivery,
                                           const v1::Subject& person);

}  // namespace throughcare::adapters::hmpps

#endif  // THROUGHCARE_SERVICES_ADAPTERS_HMPPS_EVENT_ENCODER_H_
