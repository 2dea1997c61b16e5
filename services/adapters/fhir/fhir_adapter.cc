#include "services/adapters/fhir/fhir_adapter.h"

#include "services/adapters/fhir/bundle_decoder.h"
#include "services/adapters/fhir/bundle_encoder.h"

namespace throughcare::adapters::fhir {

FormatInfo FhirR4Adapter::Describe() const {
  return FormatInfo{"fhir-r4", "application/fhir+json", "4.0.1"};
}

Decoded FhirR4Adapter::Decode(absl::string_view native) const { return DecodeBundle(native); }

absl::StatusOr<std::string> FhirR4Adapter::Encode(const v1::Delivery& delivery,
                                                  const v1::Subject& person) const {
  absl::StatusOr<nlohmann::ordered_json> bundle = EncodeDelivery(delivery, person);
  if (!bundle.ok()) return bundle.status();
  // Strings from the broker are UTF-8; "replace" keeps a stray byte from failing a delivery.
  return bundle->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

const Adapter& FhirR4() {
  static const FhirR4Adapter* const adapter = new FhirR4Adapter();
  return *adapter;
}

}  // namespace throughcare::adapters::fhir
