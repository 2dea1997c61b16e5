// Fuzzes the fhir-r4 adapter's decoding (services/adapters/fhir/). Seeds: the valid example
// Bundles in corpus/fhir_bundle_fuzzer/ (also the adapter tests' examples).
//
// Stops on a crash or sanitizer report, and on a broken promise of adapter.h:
//  - a result with both operations and errors, or with neither;
//  - an error whose place is not a JSON pointer ("" or "/...");
//  - an OperationOutcome of the errors that cannot be written as JSON;
//  - a Bundle that decodes but whose records, encoded as a delivery and posted back, do not
//    decode to the same number of operations.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/fhir/operation_outcome.h"

namespace {

using throughcare::adapters::Decoded;
using throughcare::adapters::DecodeError;
using throughcare::adapters::Operation;
namespace fhir = throughcare::adapters::fhir;
namespace v1 = throughcare::v1;

void Check(bool promise) {
  if (!promise) std::abort();
}

// The decoded records as a delivery, encoded, and posted back as a transaction.
void CheckRoundTrip(const Decoded& decoded) {
  v1::Delivery delivery;
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  v1::Subject person;
  size_t puts = 0;
  for (const Operation& operation : decoded.operations) {
    *person.mutable_identifiers() = {};
    *person.add_identifiers() = operation.person;
    if (const auto* put = std::get_if<v1::PutRecordRequest>(&operation.request)) {
      delivery.set_purpose(put->purpose());
      *delivery.add_records()->mutable_body() = put->body();
      ++puts;
    }
  }
  if (puts == 0) return;
  absl::StatusOr<std::string> encoded = fhir::FhirR4().Encode(delivery, person);
  Check(encoded.ok());
  nlohmann::json bundle = nlohmann::json::parse(*encoded);
  bundle["type"] = "transaction";
  for (nlohmann::json& entry : bundle["entry"]) {
    if (entry["resource"]["resourceType"] == "List") return;  // notes are never decoded
    entry["request"] = {{"method", "POST"}, {"url", entry["resource"]["resourceType"]}};
  }
  Decoded again = fhir::FhirR4().Decode(bundle.dump());
  Check(again.errors.empty());
  size_t puts_again = 0;
  for (const Operation& operation : again.operations) {
    if (std::holds_alternative<v1::PutRecordRequest>(operation.request)) ++puts_again;
  }
  Check(puts_again == puts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  Decoded decoded = fhir::FhirR4().Decode(input);
  Check(decoded.errors.empty() != decoded.operations.empty());
  for (const DecodeError& error : decoded.errors) {
    Check(error.where.empty() || error.where[0] == '/');
    Check(!error.reason.empty());
  }
  if (!decoded.errors.empty()) {
    Check(!fhir::OperationOutcomeFromErrors(decoded.errors).dump().empty());
    return 0;
  }
  CheckRoundTrip(decoded);
  return 0;
}
