// Decoding of a FHIR R4 transaction or batch Bundle into the broker's requests (fhir_adapter.h
// documents the mapping).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_DECODER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_DECODER_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::fhir {

// The largest document the adapter reads: 1 MiB. A Bundle of a health summary with a hundred
// conditions and a hundred prescriptions is well under 200 KiB.
inline constexpr size_t kMaxDocumentBytes = 1 << 20;
// The deepest nesting of objects and arrays (a Bundle the adapter maps needs 10: a Consent's
// provision.actor[].role.coding[]).
inline constexpr int kMaxDepth = 24;
// The most entries one Bundle may have.
inline constexpr size_t kMaxEntries = 250;

Decoded DecodeBundle(absl::string_view bytes);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_BUNDLE_DECODER_H_
