// Encoding of a delivery as a FHIR R4 Bundle of type "collection".
//
// Why collection: a delivery is a set of resources handed to the recipient to keep, not a
// request to process ("transaction", "batch"), a search result ("searchset") or a signed clinical
// document ("document", which needs a Composition the broker has no author for). A "message"
// Bundle would need a MessageHeader with an event code from a messaging value set no receiving
// system shares with Throughcare; the delivery's envelope (message id, sender, purpose) travels
// with the push (HTTP headers) instead, and the purpose also in Bundle.meta.security.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_ENCODER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_ENCODER_H_

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "throughcare/v1/common.pb.h"
#include "throughcare/v1/messaging.pb.h"

namespace throughcare::adapters::fhir {

// The Bundle: timestamp sent_at; meta.security the purpose; entries: the Patient (identifiers
// only), then each record's resources (record_resources.h). FailedPrecondition naming the kind for
// a delivery that is not MESSAGE_KIND_RECORDS, or naming the record type for a record type with
// no FHIR mapping here (drug interventions record, release notification, accommodation need,
// risk summary).
absl::StatusOr<nlohmann::ordered_json> EncodeDelivery(const v1::Delivery& delivery,
                                                      const v1::Subject& person);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_ENCODER_H_
