// Decoding of a FHIR R4 transaction or batch Bundle into the broker's requests (fhir_adapter.h
// documents the mapping).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_DECODER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_DECODER_H_

#include "absl/strings/string_view.h"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::fhir {

// The most entries one Bundle may have.
inline constexpr size_t kMaxEntries = 250;

Decoded DecodeBundle(absl::string_view bytes);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_DECODER_H_
