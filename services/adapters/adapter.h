// Per-agency adapters: pure codecs between an agency's own format and the broker's canonical
// operations and deliveries (the throughcare.v1 messages the gRPC edge takes and gives).
//
// Contract, for every codec in this folder:
//  - Pure: no storage, no clock, no policy, no network, no files. The same bytes give the same
//    result. Whatever a decoded operation asks for is then validated, decided by the policy and
//    audited by the broker exactly as the same request over gRPC; nothing here grants anything.
//  - Strict decoding: an unknown element, a wrong JSON type, a bad code, an impossible date, a
//    missing required element, invalid UTF-8 or input over the size limit is an error. Every
//    error names where it is: a JSON pointer (RFC 6901, "/entry/2/resource/code") for JSON
//    formats, "line:column" (1-based) for CSV. Decoding either succeeds completely or returns
//    errors and no operations, except where a format says its units are independent (CSV rows):
//    then each unit is ok or has its own errors.
//  - Persons are named by an agency identifier (NHS number, NOMS number, CRN, ...), never by the
//    broker's subject id, which means nothing outside the broker. The broker resolves the
//    identifier under the caller's identity (NOT_FOUND for a person the caller may not know)
//    and fills the request's subject_id.
//  - Encoding a delivery never fails for a delivery the broker made; a kind of delivery the
//    format cannot carry is FailedPrecondition naming the kind.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_ADAPTER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_ADAPTER_H_

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "throughcare/v1/common.pb.h"
#include "throughcare/v1/consent.pb.h"
#include "throughcare/v1/messaging.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/referrals.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::adapters {

// One thing the input asks the broker to do, as the broker's own request. subject_id is left
// empty in each request: `person` says who it is about.
using Request = std::variant<v1::RegisterSubjectRequest, v1::LinkIdentifierRequest,
                             v1::PutRecordRequest, v1::RecordConsentRequest,
                             v1::StartRelationshipRequest, v1::RecordReleaseRequest,
                             v1::TransitionReferralRequest>;

struct Operation {
  // Where in the input it came from: a JSON pointer or "line N".
  std::string source;
  // Who it is about; kind UNSPECIFIED for operations on something else (a referral by id).
  v1::Identifier person;
  Request request;
  // The input's own id for it (an event id, a Bundle entry fullUrl, a CSV row key), so that the
  // same input twice changes nothing. Empty when the format has none.
  std::string idempotency_key;
};

// One problem in the input.
struct DecodeError {
  std::string where;   // JSON pointer or "line:column"
  std::string reason;  // a sentence, e.g. "NHS number check digit does not match"
};

// The result of decoding one input.
struct Decoded {
  std::vector<Operation> operations;
  std::vector<DecodeError> errors;  // non-empty: nothing in `operations` may be carried out
                                    // (but see the contract above for independent units)
};

// What a format calls itself, for discovery, the config and HTTP content negotiation.
struct FormatInfo {
  std::string name;          // the config's interface name: "fhir-r4", "hmpps-events", "csv-files"
  std::string content_type;  // e.g. "application/fhir+json"
  std::string version;       // the version of the outside standard, e.g. "4.0.1"
};

// A codec for one format.
class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual FormatInfo Describe() const = 0;
  // Decodes native bytes. Inputs over the format's size limit are one error at "" (the root).
  virtual Decoded Decode(absl::string_view native) const = 0;
  // Encodes one delivery for the recipient, in the format's native bytes. `person` is the
  // subject the delivery is about with the identifiers the recipient may see (the broker looks
  // them up; a delivery carries only the opaque subject id).
  virtual absl::StatusOr<std::string> Encode(const v1::Delivery& delivery,
                                             const v1::Subject& person) const = 0;
};

// The formats this build knows, by name (registry.cc lists each once). Callers look formats up by
// the config's interface name rather than branching on it.
class Registry {
 public:
  // Every format, in name order.
  static const std::vector<const Adapter*>& All();
  // nullptr when no format has that name.
  static const Adapter* Find(absl::string_view name);
};

}  // namespace throughcare::adapters

#endif  // THROUGHCARE_SERVICES_ADAPTERS_ADAPTER_H_
