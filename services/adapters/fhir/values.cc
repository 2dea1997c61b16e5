#include "services/adapters/fhir/values.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace throughcare::adapters::fhir {
namespace {

// FNV-1a, 64 bits: stable across runs and builds (unlike absl::Hash).
uint64_t Fnv1a(absl::string_view text, uint64_t basis) {
  uint64_t hash = basis;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::string FhirInstant(const google::protobuf::Timestamp& time) {
  absl::Time t = absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string FhirId(absl::string_view broker_id) {
  return absl::StrReplaceAll(broker_id, {{"_", "-"}});
}

std::string StableUuidUrn(absl::string_view seed) {
  uint64_t high = Fnv1a(seed, 0xcbf29ce484222325ULL);
  uint64_t low = Fnv1a(seed, 0x84222325cbf29ce4ULL);
  high = (high & ~0xf000ULL) | 0x8000ULL;                          // version 8
  low = (low & ~(0xc0ULL << 56)) | (0x80ULL << 56);                // variant 10
  return absl::StrFormat("urn:uuid:%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

}  // namespace throughcare::adapters::fhir
